/**
 * Background upkeep: forget revocations of expired tokens, fix how long superseded signing keys
 * stay published, and purge expired token rows, ended grants and rotated refresh tokens, old
 * events, sessions, pending sign-ins, codes, idle lockout counters, rate-limit counters of past
 * windows, audit events past their retention, and rows written for a tenant after its deletion,
 * so tables grow only with live data.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { KeyRing } from './key-ring.js';
import type { RevocationState } from './revocation.js';
import { nowS } from '../domain/time.js';
import { WINDOW_S } from '../ratelimit/limits.js';
import { TENANT_ID_SETTLE_S } from './tenant-admin.js';

export const TOKEN_RETENTION_S = 30 * 86400;
export const EVENT_RETENTION_S = 7 * 86400;
/** Lockout counters idle this long are forgotten (longer than any sensible lockout.reset_after_s). */
export const LOCKOUT_IDLE_S = 30 * 86400;

export class Maintenance {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly parts: { store: Store; keys: KeyRing; revocations: RevocationState; log: Logger; auditRetentionS: number },
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async runOnce(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { store, keys, revocations, log, auditRetentionS } = this.parts;
    try {
      const now = nowS();
      revocations.sweep(now);
      for (const tenantId of keys.loadedTenants()) await keys.retireSuperseded(tenantId);
      let purged = 0;
      for (let batch = 1; batch > 0 && purged < 100_000; purged += batch) batch = await store.tokens.purgeExpired(now - TOKEN_RETENTION_S, 5000);
      await store.events.purgeBefore(now - EVENT_RETENTION_S);
      await store.sessions.purgeExpired(now);
      await store.grants.purgeExpired(now);
      await store.grants.purgeEnded(now - TOKEN_RETENTION_S);
      await store.lockout.purgeIdle(now - LOCKOUT_IDLE_S, now);
      await store.audit.purgeBefore(now - auditRetentionS);
      // Only the current rate-limit window is ever read; keep one more for nodes with a lagging clock.
      await store.rateLimits.purgeBefore(now - 2 * WINDOW_S);
      for (const tenantId of await store.tenants.tombstonedBefore(now - TENANT_ID_SETTLE_S)) await store.transaction((tx) => tx.tenants.sweepTombstoned(tenantId));
      if (purged) log.info({ purged }, 'purged expired token rows');
    } catch (error) {
      log.warn({ err: error }, 'maintenance pass failed; will retry');
    } finally {
      this.running = false;
    }
  }
}
