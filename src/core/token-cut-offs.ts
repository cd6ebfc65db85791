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
    // A user-bound token (its subject is not its client) dies with the user's credentials.
    const subjects = rows.filter((row) => row.subject !== row.client_id).map((row) => row.subject);
    const [keys, clients, users] = await Promise.all([
      this.keys.list(tenantId),
      Promise.all(clientIds.map(async (id) => [id, await this.clients.get(tenantId, id)] as const)).then((found) => new Map(found)),
      this.users.getMany(tenantId, subjects),
    ]);
    const withdrawn = new Set(keys.filter((key) => key.status === 'withdrawn').map((key) => key.kid));
    const cutOffs = new Map<string, CutOff>();
    for (const row of rows) {
      const issuedAt = Number(row.issued_at);
      const cutOff =
        (withdrawn.has(row.kid) ? 'signing_key_withdrawn' : undefined) ??
        clientCutOff(clients.get(row.client_id), issuedAt) ??
        (row.subject !== row.client_id ? userCutOff(users.get(row.subject), issuedAt) : undefined);
      if (cutOff) cutOffs.set(row.jti, cutOff);
    }
    return cutOffs;
  }
}
