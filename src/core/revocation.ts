/**
 * The revoked access tokens this node knows of, kept in memory from the change feed so that
 * checking a token costs no database read. Entries leave once the token has expired anyway.
 * (Clients deactivated or deleted are refused through the client registry, users in a later
 * layer; this holds the per-token revocations.)
 */
import type { ChangeEvent } from '../store/events.js';
import type { Store } from '../store/index.js';
import { nowS } from '../domain/time.js';

export class RevocationState {
  private readonly revoked = new Map<string, number>();

  /** Loads every revoked token that has not expired, so a restarted node refuses them at once. */
  async load(store: Store): Promise<void> {
    for (const row of await store.tokens.revokedLive(nowS())) this.revoked.set(row.jti, row.expires_at);
  }

  isRevoked(jti: string): boolean {
    return this.revoked.has(jti);
  }

  apply(event: ChangeEvent): void {
    if (event.kind !== 'token.revoked') return;
    for (const [jti, exp] of event.payload.tokens as [string, number][]) this.revoked.set(jti, exp);
  }

  sweep(now = nowS()): void {
    for (const [jti, exp] of this.revoked) if (exp <= now) this.revoked.delete(jti);
  }

  get size(): number {
    return this.revoked.size;
  }
}
