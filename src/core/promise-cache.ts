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
