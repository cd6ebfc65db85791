/**
 * Brute-force protection on every password check (login page, password grant). Counters live in
 * the shared store, so every node agrees. After `max_failures` failures an account (or a browser's
 * source address) is locked for a wait that grows with each further failure, up to `max_wait_s`.
 * A locked account answers exactly as a wrong password does.
 */
import type { LockoutSettings } from '../domain/tenant.js';
import { nowS } from '../domain/time.js';
import type { Store } from '../store/index.js';

/** Told of every lock as it is set: `key` is `user:<id>`, `user?:<unknown name>` or `ip:<address>`. */
export type OnLocked = (tenantId: string, key: string, until: number, failures: number) => Promise<void>;

export class Lockout {
  constructor(
    private readonly store: Store,
    private readonly onLocked?: OnLocked,
  ) {}

  /** Whether any of `keys` is locked, and which of them have failures counted. */
  async status(tenantId: string, keys: string[]): Promise<{ locked: boolean; counted: string[] }> {
    const now = nowS();
    const counted: string[] = [];
    for (const key of keys) {
      const row = await this.store.lockout.get(tenantId, key);
      if (!row) continue;
      if (Number(row.locked_until) > now) return { locked: true, counted };
      counted.push(key);
    }
    return { locked: false, counted };
  }

  async recordFailure(tenantId: string, settings: LockoutSettings, keys: string[]): Promise<void> {
    const now = nowS();
    for (const key of keys) {
      const failures = await this.store.lockout.recordFailure(tenantId, key, now, settings.reset_after_s);
      if (failures >= settings.max_failures) {
        const wait = Math.min(settings.wait_increment_s * (failures - settings.max_failures + 1), settings.max_wait_s);
        await this.store.lockout.lockUntil(tenantId, key, now + Math.max(wait, 1));
        await this.onLocked?.(tenantId, key, now + Math.max(wait, 1), failures);
      }
    }
  }

  async recordSuccess(tenantId: string, key: string): Promise<void> {
    await this.store.lockout.clear(tenantId, key);
  }
}
