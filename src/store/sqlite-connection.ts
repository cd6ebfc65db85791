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
