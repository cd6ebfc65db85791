import type { Executor } from './executor.js';
import type { LoginFailureRow } from './schema.js';

/** Failed-password counters, shared by every node (INTERFACE.md "Brute force"). */
export class LockoutStore {
  constructor(private readonly db: Executor) {}

  async get(tenantId: string, key: string): Promise<LoginFailureRow | undefined> {
    return this.db.selectFrom('login_failures').selectAll().where('tenant_id', '=', tenantId).where('key', '=', key).executeTakeFirst();
  }

  /** Counts one failure atomically and returns the new count. */
  async recordFailure(tenantId: string, key: string, now: number, resetAfterS: number): Promise<number> {
    const row = await this.db
      .insertInto('login_failures')
      .values({ tenant_id: tenantId, key, failures: 1, last_failure_at: now, locked_until: 0 })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'key']).doUpdateSet((eb) => ({
          // A quiet period longer than reset_after_s starts the count afresh.
          failures: eb.case().when('login_failures.last_failure_at', '<', now - resetAfterS).then(1).else(eb('login_failures.failures', '+', 1)).end(),
          last_failure_at: now,
        })),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    return Number(row.failures);
  }

  async lockUntil(tenantId: string, key: string, until: number): Promise<void> {
    await this.db.updateTable('login_failures').set({ locked_until: until }).where('tenant_id', '=', tenantId).where('key', '=', key).execute();
  }

  /** Counters idle since before `before` whose lock, if any, has run out. */
  async purgeIdle(before: number, now: number): Promise<number> {
    const result = await this.db.deleteFrom('login_failures').where('last_failure_at', '<', before).where('locked_until', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async clear(tenantId: string, key: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('tenant_id', '=', tenantId).where('key', '=', key).execute();
  }
}
