/**
 * Token management: listing, revoking and administrator-issued tokens (seed 003's Token
 * Management page). Revocations append a `token.revoked` event in the same transaction, which
 * every node's revocation state applies.
 */
import type { Actor } from '../domain/actor.js';
import { ValidationError } from '../domain/errors.js';
import type { Client } from '../domain/client.js';
import { nowS } from '../domain/time.js';
import type { Repositories, Store } from '../store/index.js';
import type { TokenRow } from '../store/schema.js';
import type { TokenCursor, TokenFilter, TokenStatus } from '../store/tokens.js';
import type { ChangeFeed } from '../events/change-feed.js';
import type { AccessTokens, IssuedAccessToken } from '../oauth/access-tokens.js';
import type { TenantContext } from './tenants.js';
import type { CutOff, TokenCutOffs } from './token-cut-offs.js';

export interface TokenView {
  id: string;
  client_id: string;
  subject: string;
  scope: string;
  grant_type: string;
  issued_at: number;
  expires_at: number | null;
  status: TokenStatus;
  /**
   * Why a token never revoked itself is refused for good all the same (its client, user or
   * signing key cut it off): it is listed as revoked, with this reason; null otherwise.
   */
  cut_off: CutOff | null;
  /** What revoked it (an administrator, its client, a replayed code, a reused refresh token, its user's change…); null unless revoked. */
  revoked_reason: string | null;
  refresh_count_left: number | null;
}

function tokenStatus(row: Pick<TokenRow, 'revoked_at' | 'expires_at'>, now: number): TokenStatus {
  if (row.revoked_at !== null) return 'revoked';
  return row.expires_at <= now ? 'expired' : 'active';
}

/** `refreshesLeft`: the family's count (null = unlimited); tokens outside a family cannot be refreshed. */
function view(row: TokenRow, refreshesLeft: number | null, cutOff: CutOff | undefined, now: number): TokenView {
  const stored = tokenStatus(row, now);
  const cut = stored === 'active' ? cutOff : undefined;
  const status = cut ? 'revoked' : stored;
  return {
    id: row.jti,
    client_id: row.client_id,
    subject: row.subject,
    scope: row.scope,
    grant_type: row.grant_type,
    issued_at: Number(row.issued_at),
    expires_at: row.never_expires ? null : Number(row.expires_at),
    status,
    cut_off: cut ?? null,
    revoked_reason: row.revoked_at !== null ? row.revoked_reason : null,
    refresh_count_left: refreshesLeft,
  };
}

export class TokenAdmin {
  constructor(
    private readonly store: Store,
    private readonly feed: ChangeFeed,
    private readonly accessTokens: AccessTokens,
    private readonly cutOffs: TokenCutOffs,
  ) {}

  /** Token management's view of access-token rows of `tenantId`, in their order. */
  async views(tenantId: string, rows: TokenRow[], now = nowS()): Promise<TokenView[]> {
    const [left, cutOffs] = await Promise.all([this.refreshesLeft(rows), this.cutOffs.of(tenantId, rows)]);
    // `null` is unlimited: `?? 0` would turn it into none left.
    return rows.map((row) => view(row, left.has(row.jti) ? left.get(row.jti)! : 0, cutOffs.get(row.jti), now));
  }

  async list(filter: TokenFilter, limit: number, cursor?: TokenCursor): Promise<{ items: TokenView[]; next?: TokenCursor }> {
    const now = nowS();
    const clientCutOffs = filter.status === 'active' || filter.status === 'revoked' ? await this.store.clients.cutOffs(filter.tenantId) : [];
    const rows = await this.store.tokens.list({ ...filter, clientCutOffs }, now, limit + 1, cursor);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const views = await this.views(filter.tenantId, page, now);
    return {
      // A user's or a signing key's cut-off is known only per row: such rows leave an active page
      // here (the page may come out shorter; its cursor still follows the rows read).
      items: filter.status === 'active' ? views.filter((view) => view.status === 'active') : views,
      next: rows.length > limit && last ? { issuedAt: Number(last.issued_at), jti: last.jti } : undefined,
    };
  }

  /** Refreshes left per token (jti → count, null = unlimited), from the tokens' grant families. */
  private async refreshesLeft(rows: TokenRow[]): Promise<Map<string, number | null>> {
    const families = await this.store.grants.familiesByIds([...new Set(rows.map((r) => r.family_id).filter((id): id is string => id !== null))]);
    const byId = new Map(families.map((f) => [f.id, f.revoked_at === null ? (f.refresh_count_left === null ? null : Number(f.refresh_count_left)) : 0]));
    return new Map(rows.map((row) => [row.jti, row.family_id && byId.has(row.family_id) ? byId.get(row.family_id)! : 0]));
  }

  async get(tenantId: string, jti: string): Promise<TokenRow | undefined> {
    const row = await this.store.tokens.get(jti);
    return row && row.tenant_id === tenantId ? row : undefined;
  }

  /**
   * Revokes access tokens by jti within a tenant, and the refresh tokens issued with them (their
   * whole grant family, INTERFACE.md: DELETE revokes the access token and its refresh token).
   * Returns how many access tokens were live.
   */
  async revoke(tenantId: string, jtis: string[], reason: string, actor: Actor): Promise<number> {
    const now = nowS();
    return this.feed.write(async (tx) => {
      const rows = (await Promise.all(jtis.map((jti) => tx.tokens.get(jti)))).filter((row): row is TokenRow => row?.tenant_id === tenantId);
      const families = [...new Set(rows.map((row) => row.family_id).filter((id): id is string => id !== null))];
      const revoked = await revokeTokensIn(tx, tenantId, rows.map((row) => row.jti), now, reason);
      await revokeFamiliesIn(tx, tenantId, families, now, reason);
      if (revoked > 0) {
        await tx.audit.append({ tenantId, actor: actor.id, source: actor.source, action: 'token.revoked', target: jtis.join(' '), detail: { reason }, createdAt: now });
      }
      return revoked;
    });
  }

  /** Revokes one grant family (a refresh token and every access token issued with it). */
  async revokeFamily(tenantId: string, familyId: string, reason: string, actor: Actor): Promise<void> {
    const now = nowS();
    await this.feed.write(async (tx) => {
      await revokeFamiliesIn(tx, tenantId, [familyId], now, reason);
      await tx.audit.append({ tenantId, actor: actor.id, source: actor.source, action: 'grant.revoked', target: familyId, detail: { reason }, createdAt: now });
    });
  }

  /** Seed 003 "Add New Token": a token for a client, valid for a number of days (default 30). */
  async issueForClient(tenant: TenantContext, client: Client, scopes: string[], expiresInDays: number, actor: Actor): Promise<IssuedAccessToken> {
    if (!client.active) throw ValidationError.field('client_id', 'the client is deactivated');
    const issued = await this.accessTokens.issue({ tenant, client, subject: client.clientId, scopes, grantType: 'admin', lifetimeS: expiresInDays * 86400 });
    const now = nowS();
    await this.store.audit.append({ tenantId: tenant.tenant.id, actor: actor.id, source: actor.source, action: 'token.issued', target: issued.jti, detail: { client_id: client.clientId, expires_in_days: expiresInDays }, createdAt: now });
    return issued;
  }
}

/**
 * Revokes grant families in `tx`: their refresh tokens stop working and their access tokens are
 * revoked. Grants (code replay, refresh reuse), user and API-key changes call it in their own
 * transactions.
 */
export async function revokeFamiliesIn(tx: Repositories, tenantId: string, familyIds: string[], now: number, reason: string): Promise<void> {
  if (familyIds.length === 0) return;
  await tx.grants.revokeFamilies(familyIds, now);
  const jtis = await tx.tokens.liveInFamilies(tenantId, familyIds, now);
  await revokeTokensIn(tx, tenantId, jtis, now, reason);
}

/** Marks tokens revoked and appends the event every node's revocation state applies. */
async function revokeTokensIn(tx: Repositories, tenantId: string, jtis: string[], now: number, reason: string): Promise<number> {
  const revoked = await tx.tokens.revoke(tenantId, jtis, now, reason);
  if (revoked.length === 0) return 0;
  const rows = await Promise.all(revoked.map((jti) => tx.tokens.get(jti)));
  const tokens = rows.filter((row): row is TokenRow => row !== undefined).map((row) => [row.jti, Number(row.expires_at)]);
  await tx.events.append({ tenantId, kind: 'token.revoked', target: revoked[0]!, payload: { tokens }, createdAt: now });
  return revoked.length;
}
