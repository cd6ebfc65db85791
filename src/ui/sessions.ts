/** Browser sessions: a random cookie per tenant, stored as a keyed hash with the tenant it belongs to. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/index.js';
import type { ServerSecret } from '../crypto/server-secret.js';
import { randomToken } from '../crypto/random.js';
import type { TenantContext } from '../core/tenants.js';
import type { SessionRow } from '../store/schema.js';
import { nowS } from '../domain/time.js';
import { cookieName, cookieOptions } from './cookies.js';

const SESSION_LIFETIME_S = 8 * 3600;

export class Sessions {
  constructor(
    private readonly store: Store,
    private readonly secret: ServerSecret,
  ) {}

  /**
   * The browser's session, found under any configured server-secret version so that rotating the
   * secret signs nobody out. A session found under an old version moves to the current one, so
   * the old version can be dropped without ending it.
   */
  async current(request: FastifyRequest, tenant: TenantContext): Promise<SessionRow | undefined> {
    const cookie = request.cookies[cookieName('session', tenant)];
    if (!cookie) return undefined;
    const keys = this.secret.lookupKeys(cookie);
    const row = await this.store.sessions.get(keys, nowS());
    if (!row || row.tenant_id !== tenant.tenant.id) return undefined;
    if (row.id !== keys[0]) {
      // Best effort: until it succeeds, the old key keeps finding the session.
      await this.store.sessions.rekey(row.id, keys[0]!).catch(() => undefined);
    }
    return row;
  }

  /** Ends the browser's session: the stored row and the cookie. */
  async end(reply: FastifyReply, tenant: TenantContext, session: SessionRow): Promise<void> {
    await this.store.sessions.delete(session.id);
    reply.clearCookie(cookieName('session', tenant), cookieOptions(tenant));
  }

  async start(reply: FastifyReply, tenant: TenantContext, userId: string): Promise<SessionRow> {
    const cookie = randomToken(256);
    const now = nowS();
    const row: SessionRow = { id: this.secret.lookupKeys(cookie)[0]!, tenant_id: tenant.tenant.id, user_id: userId, auth_time: now, expires_at: now + SESSION_LIFETIME_S };
    await this.store.sessions.insert(row);
    reply.setCookie(cookieName('session', tenant), cookie, cookieOptions(tenant, SESSION_LIFETIME_S));
    return row;
  }
}
