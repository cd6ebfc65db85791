/**
 * Where window counters live. On PostgreSQL: the shared `rate_limit_counters` table
 * (store/rate-limits.ts), so every node counts against one total. On SQLite — one node — in this
 * process's memory, which costs no write per request.
 */
export interface Counters {
  /** Adds `units` to the counter of (tenant, kind, key, window) atomically; returns the new total. */
  add(tenantId: string, kind: string, key: string, windowStart: number, units: number): Promise<number>;
}

export class MemoryCounters implements Counters {
  private window = 0;
  private counts = new Map<string, number>();

  async add(tenantId: string, kind: string, key: string, windowStart: number, units: number): Promise<number> {
    // Only the current window is ever asked about: a new one forgets the old counts wholesale.
    if (windowStart > this.window) {
      this.window = windowStart;
      this.counts = new Map();
    }
    const id = `${tenantId}\u0000${kind}\u0000${key}`;
    const total = (this.counts.get(id) ?? 0) + units;
    this.counts.set(id, total);
    return total;
  }
}
