/**
 * The store's state as a refused request must leave it, read through a second, read-only SQLite
 * connection. Tables that record refusals by design (audit events, login failures for the
 * lockout, rate-limit counters) are left out; everything that grants or holds access is in.
 */
import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
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

export class StoreSnapshot {
  private readonly db: BetterSqlite3.Database;
  private version = -1;
  private state: Record<string, string> = {};

  constructor(databaseUrl: string) {
    this.db = new BetterSqlite3(databaseUrl.slice('sqlite:'.length), { readonly: true });
  }

  /**
   * Per watched table: its row count and a digest of its rows in a stable order. SQLite's
   * data_version moves whenever another connection commits, so the tables are read again only
   * after some write, which keeps a fuzz run cheap.
   */
  take(): Record<string, string> {
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

  close(): void {
    this.db.close();
  }
}
