/**
 * The store's state as a refused request must leave it, read through a connection of its own
 * (read-only on SQLite). Tables that record refusals by design (audit events, login failures for
 * the lockout, rate-limit counters) are left out; everything that grants or holds access is in.
 */
import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Database } from '../../src/store/schema.js';

const WATCHED = [
  'tenants',
  'signing_keys',
  'clients',
  'client_scopes',
  'scopes',
  'tokens',
  'events',
  'users',
  'sessions',
  'authorization_requests',
  'authorization_codes',
  'grant_families',
  'refresh_tokens',
  'consents',
  'services',
  'api_keys',
] as const satisfies readonly (keyof Database)[];

export interface StoreSnapshot {
  /** Per watched table: its row count and a digest of its rows in a stable order. */
  take(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export function storeSnapshot(databaseUrl: string): StoreSnapshot {
  return databaseUrl.startsWith('sqlite:') ? new SqliteSnapshot(databaseUrl) : new PostgresSnapshot(databaseUrl);
}

class SqliteSnapshot implements StoreSnapshot {
  private readonly db: BetterSqlite3.Database;
  private version = -1;
  private state: Record<string, string> = {};

  constructor(databaseUrl: string) {
    this.db = new BetterSqlite3(databaseUrl.slice('sqlite:'.length), { readonly: true });
  }

  /**
   * SQLite's data_version moves whenever another connection commits, so the tables are read again
   * only after some write, which keeps a fuzz run cheap.
   */
  async take(): Promise<Record<string, string>> {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.version) return this.state;
    const state: Record<string, string> = {};
    for (const table of WATCHED) {
      const rows = this.db.prepare(`select * from ${table}`).all().map((row) => JSON.stringify(row)).sort();
      state[table] = `${rows.length} rows, ${createHash('sha256').update(rows.join('\n')).digest('hex').slice(0, 16)}`;
    }
    this.version = version;
    this.state = state;
    return state;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** One round trip per snapshot: every table's count and an md5 of its rows, sorted, in one query. */
class PostgresSnapshot implements StoreSnapshot {
  private readonly pool: pg.Pool;
  private static readonly QUERY = WATCHED.map(
    (table) => `select '${table}' as name, count(*)::int as rows, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as digest from ${table} t`,
  ).join(' union all ');

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  }

  async take(): Promise<Record<string, string>> {
    const { rows } = await this.pool.query<{ name: string; rows: number; digest: string }>(PostgresSnapshot.QUERY);
    return Object.fromEntries(rows.map((row) => [row.name, `${row.rows} rows, ${row.digest.slice(0, 16)}`]));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
