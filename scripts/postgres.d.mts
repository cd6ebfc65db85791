// Types for postgres.mjs, so TypeScript callers (bench/lib/postgres.ts) can use it under strict.

export interface ThrowAwayPostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth, loopback only). */
  url: string;
  dataDir: string;
  bin: string;
  port: number;
  /** Stops the server and keeps its data. Throws when pg_ctl fails (e.g. the server is already gone). */
  pause(): void;
  resume(): void;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number>;

/** undefined when PostgreSQL is not installed. */
export function startPostgres(options?: { port?: number }): Promise<ThrowAwayPostgresServer | undefined>;
