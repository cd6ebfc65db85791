/**
 * A cache of loads in flight or done: concurrent callers share one load, a failed load is
 * forgotten (the next caller retries), and the change feed drops entries when their data changes.
 */
export class PromiseCache<K, V> {
  private readonly entries = new Map<K, Promise<V>>();

  /**
   * `keep` decides which loaded values stay cached. Caches keyed by ids that any request can name
   * (tenants, clients) keep hits only: holding every invented id would let memory grow with what
   * callers make up rather than with what exists.
   */
  constructor(private readonly keep: (value: V) => boolean = () => true) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    let entry = this.entries.get(key);
    if (!entry) {
      const loading = load();
      entry = loading;
      this.entries.set(key, loading);
      const forget = () => {
        if (this.entries.get(key) === loading) this.entries.delete(key);
      };
      loading.then((value) => {
        if (!this.keep(value)) forget();
      }, forget);
    }
    return entry;
  }

  /**
   * `get` for many keys at once: those neither cached nor loading are loaded by one `loadMany`
   * call (one query for a page of ids, not one per id). A key `loadMany` leaves out is undefined.
   */
  getMany(keys: K[], loadMany: (missing: K[]) => Promise<Map<K, V>>): Promise<Map<K, V | undefined>> {
    const unique = [...new Set(keys)];
    const missing = unique.filter((key) => !this.entries.has(key));
    if (missing.length > 0) {
      const loading = loadMany(missing);
      for (const key of missing) this.get(key, () => loading.then((found) => found.get(key) as V));
    }
    // Taken now, while every entry is cached or loading: `keep` may drop some once they settle.
    const pending = unique.map((key) => this.entries.get(key)!.then((value) => [key, value] as const));
    return Promise.all(pending).then((found) => new Map(found));
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  deleteWhere(predicate: (key: K) => boolean): void {
    for (const key of this.entries.keys()) if (predicate(key)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  keys(): K[] {
    return [...this.entries.keys()];
  }
}
