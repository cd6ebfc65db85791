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

  async current(request: FastifyRequest, tenant: TenantContext): Promise<SessionRow | undefined> {
    const cookie = request.cookies[cookieName('session', tenant)];
    if (!cookie) return undefined;
    const row = await this.store.sessions.get(this.secret.lookupKeys(cookie)[0]!, nowS());
    return row && row.tenant_id === tenant.tenant.id ? row : undefined;
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
