// A throw-away PostgreSQL for benchmarks that run several Gatehouse nodes on one database: the
// test suites' scripts/postgres.mjs (initdb into a temp dir, loopback, trust auth, runuser when
// root), released with the child servers — normally, on error, on SIGINT and on exit.
import { rmSync } from 'node:fs';

import { startPostgres } from '../../scripts/postgres.mjs';
import { registerCleanup } from './child.js';
import { freePort } from './ports.js';

export interface ThrowAwayPostgres {
  url: string;
  /** Stops the server and deletes its data. Idempotent. */
  stop(): void;
}

/** undefined when PostgreSQL is not installed. */
export async function startThrowAwayPostgres(): Promise<ThrowAwayPostgres | undefined> {
  const server = await startPostgres({ port: await freePort() });
  if (server === undefined) return undefined;
  let stopped = false;
  const release = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      server.pause();
    } finally {
      // Not server.stop(): its data directory must go even when pg_ctl fails (the server died).
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  };
  const unregister = registerCleanup(release);
  return {
    url: server.url,
    stop: () => {
      unregister();
      release();
    },
  };
}
