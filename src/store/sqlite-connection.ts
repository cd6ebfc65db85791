/**
 * One SQLite connection as every part of Gatehouse needs it: the main connection behind Kysely
 * and the token appender's worker connection open files the same way.
 */
import SQLite from 'better-sqlite3';

export function openSqlite(file: string): SQLite.Database {
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit is fsynced before it is acknowledged, so an acknowledged token survives power loss too.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

const STATEMENT_CACHE_SIZE = 1000;

/**
 * The connection as Kysely's SQLite dialect sees it, with prepared statements reused: Kysely
 * prepares every query anew, which cost more than running the hot key lookups themselves.
 * Statements are never iterated concurrently here (no streaming queries), so reuse is safe.
 */
export function withStatementCache(sqlite: SQLite.Database): Pick<SQLite.Database, 'prepare' | 'close'> {
  const statements = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        // `IN (…)` lists of varying length make unbounded distinct texts; start over rather than grow.
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    close: () => sqlite.close(),
  } as Pick<SQLite.Database, 'prepare' | 'close'>;
}
