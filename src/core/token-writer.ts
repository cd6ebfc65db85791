/**
 * Group commit for token records (DESIGN.md §2.4): requests queue their rows, one transaction
 * writes a whole batch, and each request is answered only after the batch that holds its row has
 * committed. Rows that arrive while a batch is being written form the next batch, so under load
 * the batches grow and the cost of a commit is shared.
 */
import type { TokenRow } from '../store/schema.js';
import type { Store } from '../store/index.js';

interface Pending {
  row: TokenRow;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class TokenWriter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  /** performance.now() when the last commit ended. */
  private lastCommitEnd = -Infinity;

  constructor(
    private readonly store: Store,
    private readonly maxBatch: number,
    private readonly maxDelayMs: number,
  ) {}

  record(row: TokenRow): Promise<void> {
    if (this.closed) return Promise.reject(new Error('token writer is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.schedule();
    });
  }

  /** Waits until every queued row is committed (graceful shutdown); refuses new rows. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.queue.length > 0 || this.flushing) {
      if (!this.flushing) this.flush();
      await this.flushing;
    }
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.flush();
    };
    // After a pause, a short wait lets requests that arrive together share a commit. Under a steady
    // stream rows gather behind each commit on their own, and the wait would only add latency.
    const afterPause = performance.now() - this.lastCommitEnd > this.maxDelayMs;
    if (afterPause && this.maxDelayMs > 0 && this.queue.length < this.maxBatch) setTimeout(run, this.maxDelayMs);
    else setImmediate(run);
  }

  private flush(): void {
    if (this.flushing || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.flushing = (async () => {
      try {
        await this.store.tokens.commitBatch(batch.map((p) => p.row));
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      } finally {
        this.flushing = undefined;
        this.lastCommitEnd = performance.now();
        // Rows queued behind this commit have waited for it already: they go now, not after another delay.
        if (this.queue.length > 0) this.flush();
      }
    })();
  }
}
