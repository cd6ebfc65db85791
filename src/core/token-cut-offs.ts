/**
 * A token that is neither revoked nor expired can still be refused. Deactivating its client,
 * disabling its user or changing the user's credentials, and withdrawing its signing key each cut
 * off every token issued before: in O(1) and on every node at once, without touching token rows
 * (a busy client may have millions). The token verifier (gateway, introspection, userinfo) and
 * refresh-token introspection refuse by these rules; token management shows them, so no refused
 * token is listed as if it still worked.
 */
import type { Client } from '../domain/client.js';
import type { TokenRow } from '../store/schema.js';
import type { ClientRegistry } from './clients.js';
import type { KeyRing } from './key-ring.js';
import type { User, UserRegistry } from './users.js';

export type CutOff = 'client_deleted' | 'client_deactivated' | 'user_invalid' | 'signing_key_withdrawn';
export const CUT_OFFS: readonly CutOff[] = ['client_deleted', 'client_deactivated', 'user_invalid', 'signing_key_withdrawn'];

/** Whether `client` still honours what it was issued at `issuedAt`: reactivation does not revive it. */
export function clientCutOff(client: Client | undefined, issuedAt: number): CutOff | undefined {
  if (!client) return 'client_deleted';
  return !client.active || issuedAt <= client.notBefore ? 'client_deactivated' : undefined;
}

/** Whether `user` still stands behind a grant made for them at `since`. */
export function userCutOff(user: User | undefined, since: number): CutOff | undefined {
  return !user || user.disabled || since <= user.notBefore ? 'user_invalid' : undefined;
}

/** A user-bound token (its subject is not its client) dies with the user's credentials; a client's own token does not. */
export function isUserBound(clientId: string, subject: string): boolean {
  return subject !== clientId;
}

/** Why an access token is refused by its client or, if it is user-bound, by its user; `user` is read only then. */
export function holderCutOff(clientId: string, subject: string, issuedAt: number, client: Client | undefined, user: User | undefined): CutOff | undefined {
  return clientCutOff(client, issuedAt) ?? (isUserBound(clientId, subject) ? userCutOff(user, issuedAt) : undefined);
}

export class TokenCutOffs {
  constructor(
    private readonly clients: ClientRegistry,
    private readonly users: UserRegistry,
    private readonly keys: KeyRing,
  ) {}

  /** Why each of `rows` (access tokens of `tenantId`) is refused, for those that are: jti → cut-off. */
  async of(tenantId: string, rows: TokenRow[]): Promise<Map<string, CutOff>> {
    // Looked up once per page and side by side: one at a time, a round trip per row on
    // PostgreSQL. The page's users come in one query; its clients are few and cached.
    const clientIds = [...new Set(rows.map((row) => row.client_id))];
    const subjects = rows.filter((row) => isUserBound(row.client_id, row.subject)).map((row) => row.subject);
    const [keys, clients, users] = await Promise.all([
      this.keys.list(tenantId),
      Promise.all(clientIds.map(async (id) => [id, await this.clients.get(tenantId, id)] as const)).then((found) => new Map(found)),
      this.users.getMany(tenantId, subjects),
    ]);
    const withdrawn = new Set(keys.filter((key) => key.status === 'withdrawn').map((key) => key.kid));
    const cutOffs = new Map<string, CutOff>();
    for (const row of rows) {
      const cutOff = withdrawn.has(row.kid)
        ? 'signing_key_withdrawn'
        : holderCutOff(row.client_id, row.subject, Number(row.issued_at), clients.get(row.client_id), users.get(row.subject));
      if (cutOff) cutOffs.set(row.jti, cutOff);
    }
    return cutOffs;
  }
}
