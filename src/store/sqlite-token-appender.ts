/**
 * Commits batches of token rows to a SQLite file on a worker thread. better-sqlite3 is
 * synchronous, so a commit made on the main thread blocks the event loop for its fsync
 * (synchronous = FULL): under client_credentials load that was a third of the main thread's
 * time. On a worker the event loop serves the next requests while a batch is made durable, and
 * each batch is still answered only after its commit.
 */
import { Worker } from 'node:worker_threads';
import type { TokenRow } from './schema.js';

/** main → worker. Requests are handled in order, so each result answers the oldest pending commit. */
export type AppenderRequest = { kind: 'commit'; rows: TokenRow[] } | { kind: 'close' };
/** worker → main, one per commit. */
export interface AppenderResult {
  error?: { message: string; code?: string };
}
export interface AppenderData {
  file: string;
}

interface Pending {
  resolve: () => void;
  reject: (error: unknown) => void;
}

const WORKER_FILE = new URL(`./sqlite-token-appender-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/** Under tsx (tests, `npm run dev`) a worker does not inherit the TypeScript loader on Node 20: it registers it first. */
function spawnWorker(data: AppenderData): Worker {
  if (!WORKER_FILE.pathname.endsWith('.ts')) return new Worker(WORKER_FILE, { workerData: data });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const bootstrap = `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_FILE.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

export class SqliteTokenAppender {
  private worker: Worker | undefined;
  private readonly pending: Pending[] = [];

  constructor(private readonly file: string) {}

  /** Inserts `rows` in one transaction; resolves once it has committed. */
  commit(rows: TokenRow[]): Promise<void> {
    const worker = this.worker ?? this.start();
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      // An idle worker must not keep the process alive; one with work in hand must.
      worker.ref();
      worker.postMessage({ kind: 'commit', rows } satisfies AppenderRequest);
    });
  }

  /** Lets the worker finish the commits it was given, then stops it. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.ref();
    worker.postMessage({ kind: 'close' } satisfies AppenderRequest);
    await exited;
  }

  private start(): Worker {
    const worker = spawnWorker({ file: this.file });
    worker.on('message', (result: AppenderResult) => {
      const answered = this.pending.shift();
      if (this.pending.length === 0) worker.unref();
      if (!result.error) answered?.resolve();
      // The code (SQLITE_BUSY, SQLITE_FULL, …) is what tells an unavailable store from a bug.
      else answered?.reject(Object.assign(new Error(result.error.message), { code: result.error.code }));
    });
    worker.on('error', (error) => this.failPending(worker, error));
    worker.on('exit', (code) => this.failPending(worker, new Error(`the token appender's worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  /** A dead worker fails the commits it had not answered; the next commit starts a new one. */
  private failPending(worker: Worker, error: unknown): void {
    if (this.worker === worker) this.worker = undefined;
    for (const pending of this.pending.splice(0)) pending.reject(error);
  }
}
