/** Opens the configured database behind one Kysely instance: better-sqlite3 (WAL) or pg. */
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type SQLite from 'better-sqlite3';
import { ConfigError } from '../config.js';
import type { Database } from './schema.js';
import { openSqlite, withStatementCache } from './sqlite-connection.js';
import { SqliteTokenAppender } from './sqlite-token-appender.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

// PostgreSQL returns BIGINT and COUNT as strings; every such value in this schema fits a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

const appenders = new WeakMap<Kysely<Database>, SqliteTokenAppender>();

/**
 * The worker-thread appender of a SQLite file database, for the token group commit
 * (TokenStore.commitBatch); undefined for PostgreSQL, an in-memory database (which a second
 * connection could not see), or a transaction.
 */
export function sqliteTokenAppender(db: Kysely<Database>): SqliteTokenAppender | undefined {
  return appenders.get(db);
}

/** The connection of `sqlite:FILE`; a path that cannot hold a database is the operator's to change. */
function openSqliteFile(file: string, onDisk: boolean): SQLite.Database {
  try {
    // The database holds hashes and sealed keys: a new data directory is the owner's only.
    if (onDisk) {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
      // and a new database file too: SQLite gives its -wal and -shm files the database file's mode.
      fs.closeSync(fs.openSync(file, 'a', 0o600));
    }
    return openSqlite(file);
  } catch (error) {
    throw new ConfigError('GATEHOUSE_DATABASE_URL', `cannot create or open the SQLite database ${file}`, error);
  }
}

/**
 * A PostgreSQL that stops answering without closing its connections (a partition, a hung primary)
 * must not hold new requests forever: getting a connection is bounded. A query is not: one may
 * rightly take minutes (deleting a client with millions of tokens), and readiness probes see the
 * outage through their own deadline (store/index.ts) and take the node out.
 */
const PG_CONNECT_TIMEOUT_MS = 5_000;

export interface OpenOptions {
  poolSize?: number;
}

export function openDb(url: string, options: OpenOptions = {}): Db {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    const onDisk = file !== ':memory:' && file !== '';
    const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(openSqliteFile(file, onDisk)) }) });
    const appender = onDisk ? new SqliteTokenAppender(path.resolve(file)) : undefined;
    if (appender) appenders.set(kysely, appender);
    return {
      kysely,
      dialect: 'sqlite',
      close: async () => {
        await appender?.close();
        await kysely.destroy();
      },
    };
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    keepAlive: true,
  });
  // A dropped connection must not crash the process; queries on it fail and the pool replaces it.
  // The pool listens on idle clients only; a client dropped while checked out (inside a
  // transaction) would otherwise emit an unhandled 'error' and take the node down.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, dialect: 'postgres', close: () => kysely.destroy() };
}
