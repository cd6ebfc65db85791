/**
 * Group commit for SQLite transactions. SQLite has one writer and, with synchronous = FULL, every
 * commit waits for an fsync on the event loop; one transaction per refresh, code redemption or
 * revocation capped those at a few hundred per second. Transactions that arrive while a batch is
 * committing wait together for the next one, which runs each of them in its own savepoint and
 * commits them with a single fsync: a failed transaction rolls back to its savepoint alone, and
 * no caller hears of success before the batch commit that made its writes durable.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';

interface Queued<R> {
  fn: (trx: Transaction<Database>) => Promise<R>;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class TransactionBatcher {
  private queue: Queued<any>[] = [];
  private committing = false;

  constructor(private readonly kysely: Kysely<Database>) {}

  run<R>(fn: (trx: Transaction<Database>) => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject });
      // better-sqlite3 is synchronous: started at once, a request's whole transaction would run
      // and commit before the next request is even read. After the I/O phase, every request that
      // arrived with this one has queued its transaction too.
      if (!this.committing && this.queue.length === 1) setImmediate(() => void this.commitBatches());
    });
  }

  private async commitBatches(): Promise<void> {
    this.committing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        await this.commit(batch);
      }
    } finally {
      this.committing = false;
    }
  }

  private async commit(batch: Queued<unknown>[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.kysely.transaction().execute(async (trx) => {
        const results: Outcome[] = [];
        for (const item of batch) results.push(await runInSavepoint(trx, item.fn));
        return results;
      });
    } catch (error) {
      // The batch did not commit: nothing any of its transactions wrote is durable.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}

async function runInSavepoint(trx: Transaction<Database>, fn: (trx: Transaction<Database>) => Promise<unknown>): Promise<Outcome> {
  await sql`SAVEPOINT batched`.execute(trx);
  try {
    const value = await fn(trx);
    await sql`RELEASE batched`.execute(trx);
    return { ok: true, value };
  } catch (error) {
    await sql`ROLLBACK TO batched`.execute(trx);
    await sql`RELEASE batched`.execute(trx);
    return { ok: false, error };
  }
}
