import type { Executor } from './executor.js';

/** Rate-limit counters shared by every node (INTERFACE.md "Brute force and rate limits"). */
export class RateLimitStore {
  constructor(private readonly db: Executor) {}

  /**
   * Adds `units` to the window's counter in one atomic UPSERT and returns the new total. Refused
   * units are added too, so the caller learns how many of its units fit under the limit from the
   * total alone: max(0, min(units, limit − (total − units))).
   */
  async add(tenantId: string, kind: string, key: string, windowStart: number, units: number): Promise<number> {
    const row = await this.db
      .insertInto('rate_limit_counters')
      .values({ tenant_id: tenantId, kind, key, window_start: windowStart, used: units })
      .onConflict((oc) => oc.columns(['tenant_id', 'kind', 'key', 'window_start']).doUpdateSet((eb) => ({ used: eb('rate_limit_counters.used', '+', units) })))
      .returning('used')
      .executeTakeFirstOrThrow();
    return Number(row.used);
  }

  /** Deletes the counters of windows that started before `windowStart`; returns how many. */
  async purgeBefore(windowStart: number): Promise<number> {
    const result = await this.db.deleteFrom('rate_limit_counters').where('window_start', '<', windowStart).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
