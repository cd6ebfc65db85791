// Token management at scale (issue 5): seeds N token rows (default 10,000,000) straight into the
// real schema on SQLite and on PostgreSQL, reports how long seeding took, then measures the admin
// API's token list — unfiltered, filtered by client_id, subject and status, and paged with a
// cursor deep into the table — as p50/p99 over a few hundred requests each. Target: p99 ≤ 50 ms.
//
//   npx tsx bench/token-list.ts [--rows=10000000] [--requests=200] [--only=sqlite,postgres]
//
// Env: BENCH_GATEHOUSE=auto|dist|tsx, BENCH_VERBOSE=1.
//
// Requests are sent one at a time (latency, not throughput). This prints figures; it asserts
// nothing about them. Free disk is checked first, and the run refuses when it is short.
import { statfsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import SQLite from 'better-sqlite3';
import pg from 'pg';

import { openDb } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { encodeCursor } from '../src/admin/pagination.js';
import type { ClientRow, Database, TokenRow, UserRow } from '../src/store/schema.js';
import type { Kysely } from 'kysely';
import { DEFAULT_TENANT_ID, defaultSettings } from '../src/domain/tenant.js';
import { stopAllChildServers } from './lib/child.js';
import { resolveGatehouseLaunch, startGatehouse, type GatehouseLaunch } from './lib/gatehouse-process.js';
import { formatMachine, machineInfo } from './lib/machine.js';
import { clientCredentialsRequest, requestToken } from './lib/oauth.js';
import { repoPath } from './lib/paths.js';
import { startThrowAwayPostgres } from './lib/postgres.js';
import { armWatchdog, formatMs, writeResults } from './lib/rounds.js';
import { percentile } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const RESULTS_FILE = repoPath('bench', 'results', 'token-list.json');
const TARGET_P99_MS = 50;
const CLIENTS = 1_000;
const SUBJECTS = 100_000;
/** Share of rows revoked: the rare status, the one an index must find without a scan. */
const REVOKED_SHARE = 0.02;
/** On-disk bytes a token row takes with its indexes, generously (PostgreSQL is the larger). */
const BYTES_PER_ROW_BOUND = 1_500;
const DAY_S = 86_400;
const STORES = ['sqlite', 'postgres'] as const;
type StoreName = (typeof STORES)[number];

interface Query {
  name: string;
  /** The query string of the next request (varied per request: random client, subject, depth). */
  next(): string;
}

interface QueryResult {
  name: string;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Items on the pages returned, summed: a filter that finds nothing would be cheap and meaningless. */
  items: number;
  non200: number;
}

interface StoreResult {
  store: StoreName;
  rows: number;
  seedS?: number;
  seedRowsPerS?: number;
  queries: QueryResult[];
  error?: string;
}

async function main(): Promise<void> {
  const { rows, requests, stores } = parseCommandLine();
  const machine = machineInfo();
  const startedAt = new Date();
  console.log(`machine: ${formatMachine(machine)}`);
  const work = await mkdtemp(join(tmpdir(), 'gatehouse-token-list-'));
  refuseWithoutDisk(work, rows * stores.length);
  // Seeding 10 M rows twice on a small machine takes a while; the limit is only a backstop.
  armWatchdog('token-list', 600 + (rows / 1_000_000) * 600 * stores.length);
  const results: StoreResult[] = [];
  try {
    const launch = await resolveGatehouseLaunch();
    for (const store of stores) results.push(await measureStore(store, rows, requests, work, launch));
  } finally {
    await stopAllChildServers();
    await rm(work, { recursive: true, force: true });
  }
  printReport(results);
  await writeResults(RESULTS_FILE, { benchmark: 'token-list', startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine, config: { rows, requests, clients: CLIENTS, subjects: SUBJECTS, revokedShare: REVOKED_SHARE, targetP99Ms: TARGET_P99_MS }, results });
  if (results.some((result) => result.error !== undefined)) process.exitCode = 1;
}

function parseCommandLine(): { rows: number; requests: number; stores: StoreName[] } {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, requests: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('usage: npx tsx bench/token-list.ts [--rows=10000000] [--requests=200] [--only=sqlite,postgres]');
    process.exit(0);
  }
  const rows = Number(values.rows ?? 10_000_000);
  const requests = Number(values.requests ?? 200);
  if (!Number.isInteger(rows) || rows < 1_000) throw new Error(`--rows must be an integer ≥ 1000, got ${values.rows}`);
  if (!Number.isInteger(requests) || requests < 10) throw new Error(`--requests must be an integer ≥ 10, got ${values.requests}`);
  const stores = (values.only ?? STORES.join(',')).split(',').map((name) => name.trim());
  const unknown = stores.filter((name) => !(STORES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`--only: unknown store(s) ${unknown.join(', ')}; choose from ${STORES.join(', ')}`);
  return { rows, requests, stores: stores as StoreName[] };
}

function refuseWithoutDisk(directory: string, totalRows: number): void {
  const { bavail, bsize } = statfsSync(directory);
  const free = bavail * bsize;
  const needed = totalRows * BYTES_PER_ROW_BOUND;
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  console.log(`disk:    ${gib(free)} free in ${directory}, about ${gib(needed)} needed`);
  if (free < needed) throw new Error(`not enough free disk: ${gib(free)} free, about ${gib(needed)} needed for ${totalRows.toLocaleString('en-US')} rows; pass a smaller --rows`);
}

async function measureStore(store: StoreName, rows: number, requests: number, work: string, launch: GatehouseLaunch): Promise<StoreResult> {
  const result: StoreResult = { store, rows, queries: [] };
  const postgres = store === 'postgres' ? await startThrowAwayPostgres() : undefined;
  try {
    if (store === 'postgres' && postgres === undefined) throw new Error('PostgreSQL is not installed');
    const url = postgres?.url ?? `sqlite:${join(work, 'tokens.db')}`;
    const db = openDb(url);
    try {
      await migrateToLatest(db);
      await seedHolders(db.kysely, Math.floor(Date.now() / 1000));
    } finally {
      await db.close();
    }
    const now = Math.floor(Date.now() / 1000);
    console.log(`\n${store}: seeding ${rows.toLocaleString('en-US')} token rows ...`);
    const started = performance.now();
    await (store === 'sqlite' ? seedSqlite(url.slice('sqlite:'.length), rows, now) : seedPostgres(url, rows, now));
    result.seedS = (performance.now() - started) / 1000;
    result.seedRowsPerS = rows / result.seedS;
    console.log(`${store}: seeded in ${result.seedS.toFixed(1)} s (${Math.round(result.seedRowsPerS).toLocaleString('en-US')} rows/s)`);

    const gatehouse = await startGatehouse(launch, { name: `gatehouse-${store}`, databaseUrl: url });
    try {
      const admin = (await requestToken(clientCredentialsRequest(`${gatehouse.baseUrl}/oauth/token`, gatehouse.admin))).access_token;
      for (const query of queries(now)) {
        const measured = await measureQuery(`${gatehouse.baseUrl}/admin/api/v1/tokens`, admin, query, requests);
        result.queries.push(measured);
        console.log(`${store}: ${query.name.padEnd(28)} p50 ${formatMs(measured.p50Ms).padStart(7)} ms  p99 ${formatMs(measured.p99Ms).padStart(7)} ms  items ${measured.items}${measured.non200 ? `  NON-200: ${measured.non200}` : ''}`);
      }
    } finally {
      await gatehouse.stop();
    }
  } catch (err) {
    result.error = (err as Error).message;
    console.log(`FAILED   ${store}: ${result.error}`);
  } finally {
    postgres?.stop();
  }
  return result;
}

const pick = (count: number) => Math.floor(Math.random() * count);
const clientId = (i: number) => `bench-client-${String(i).padStart(4, '0')}`;
const subjectOf = (i: number) => `bench-user-${String(i).padStart(6, '0')}`;

/**
 * The clients and users the token rows belong to, active and never cut off: token management
 * lists a token of a missing client or user as revoked (cut off), which real tables do not hold.
 */
async function seedHolders(db: Kysely<Database>, now: number): Promise<void> {
  // The default tenant as the server's first start makes it, which then finds it in place.
  await db.insertInto('tenants').values({ id: DEFAULT_TENANT_ID, name: 'Default', settings: JSON.stringify(defaultSettings()), created_at: now }).execute();
  const clients: ClientRow[] = Array.from({ length: CLIENTS }, (_, i) => ({
    tenant_id: DEFAULT_TENANT_ID, client_id: clientId(i), client_name: clientId(i), client_version: '1', name_key: JSON.stringify([clientId(i), '1']), description: null,
    token_endpoint_auth_method: 'client_secret_basic', secret_hash: null, secret_expires_at: 0, previous_secret_hash: null, previous_secret_expires_at: null,
    redirect_uris: '[]', post_logout_redirect_uris: '[]', grant_types: '["client_credentials"]', response_types: '[]', access_token_lifetime: 3600, refresh_token_limit: 0, require_pkce: null,
    active: 1, not_before: 0, api_key_enabled: 0, api_key_timeout_hours: 0, api_key_allowed_auth_type: null, api_key_scope_customization: 0,
    registration_token_hash: null, created_at: now, updated_at: now,
  }));
  await db.insertInto('clients').values(clients).execute();
  // 15 columns × 1,000 rows stays under SQLite's 32,766 bound parameters.
  for (let from = 0; from < SUBJECTS; from += 1_000) {
    const users: UserRow[] = Array.from({ length: Math.min(1_000, SUBJECTS - from) }, (_, k) => ({
      tenant_id: DEFAULT_TENANT_ID, id: subjectOf(from + k), username: subjectOf(from + k), username_key: subjectOf(from + k), password_hash: null, email: null, email_verified: 0,
      given_name: null, family_name: null, external_id: null, roles: '[]', disabled: 0, not_before: 0, created_at: now, updated_at: now,
    }));
    await db.insertInto('users').values(users).execute();
  }
}

/**
 * Row `i` of `rows`: issued over the last 29 days in order (so the maintenance purge, which takes
 * rows expired for 30 days, leaves them alone), alive for an hour to 60 days, so about half are
 * expired; a few are revoked.
 */
function tokenRow(i: number, rows: number, now: number): TokenRow {
  const issuedAt = now - 29 * DAY_S + Math.floor((i / rows) * 29 * DAY_S);
  const expiresAt = issuedAt + 3600 + ((i * 7919) % (60 * DAY_S));
  // From the high bits of a multiplicative hash: independent of the client and subject, which come from i's low digits.
  const revoked = (Math.imul(i, 0x9e3779b1) >>> 16) % 1000 < REVOKED_SHARE * 1000;
  return {
    jti: `${issuedAt.toString(36)}-${i.toString(36).padStart(6, '0')}`,
    tenant_id: 'default',
    client_id: clientId((i * 31) % CLIENTS),
    subject: subjectOf((i * 613) % SUBJECTS),
    scope: 'orders.read orders.write',
    grant_type: 'client_credentials',
    kid: 'bench-seed',
    issued_at: issuedAt,
    expires_at: expiresAt,
    never_expires: 0,
    family_id: null,
    revoked_at: revoked ? Math.min(expiresAt, issuedAt + 60) : null,
    revoked_reason: revoked ? 'bench' : null,
  };
}

const COLUMNS = ['jti', 'tenant_id', 'client_id', 'subject', 'scope', 'grant_type', 'kid', 'issued_at', 'expires_at', 'never_expires', 'family_id', 'revoked_at', 'revoked_reason'] as const;
const SQLITE_ROWS_PER_STATEMENT = 2_000; // 13 columns × 2,000 stays under SQLite's 32,766 parameters
const ROWS_PER_TRANSACTION = 100_000;

/** Multi-row prepared inserts in large transactions, durability off while seeding only. */
async function seedSqlite(file: string, rows: number, now: number): Promise<void> {
  const sqlite = new SQLite(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = OFF');
    sqlite.pragma('cache_size = -262144');
    const placeholders = (count: number) => Array.from({ length: count }, () => `(${COLUMNS.map(() => '?').join(',')})`).join(',');
    const full = sqlite.prepare(`insert into tokens (${COLUMNS.join(',')}) values ${placeholders(SQLITE_ROWS_PER_STATEMENT)}`);
    const insert = (from: number, to: number) => {
      const values: unknown[] = [];
      for (let i = from; i < to; i++) {
        const row = tokenRow(i, rows, now);
        for (const column of COLUMNS) values.push(row[column]);
      }
      (to - from === SQLITE_ROWS_PER_STATEMENT ? full : sqlite.prepare(`insert into tokens (${COLUMNS.join(',')}) values ${placeholders(to - from)}`)).run(values);
    };
    // The table's secondary indexes are dropped for the load and rebuilt from their own stored
    // definitions afterwards: one sort per index instead of millions of random inserts into it.
    const indexes = sqlite.prepare(`select sql from sqlite_master where type = 'index' and tbl_name = 'tokens' and sql is not null`).all() as { sql: string }[];
    for (const { sql } of indexes) sqlite.exec(`drop index ${/create index "?([\w]+)"?/i.exec(sql)![1]}`);
    const transaction = sqlite.transaction((from: number, to: number) => {
      for (let i = from; i < to; i += SQLITE_ROWS_PER_STATEMENT) insert(i, Math.min(to, i + SQLITE_ROWS_PER_STATEMENT));
    });
    for (let from = 0; from < rows; from += ROWS_PER_TRANSACTION) {
      transaction(from, Math.min(rows, from + ROWS_PER_TRANSACTION));
      progress(from + ROWS_PER_TRANSACTION, rows);
      // Yield, so the watchdog and signals are served during a long seed.
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const { sql } of indexes) sqlite.exec(sql);
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    sqlite.exec('analyze');
  } finally {
    sqlite.close();
  }
}

/** One `insert … select from unnest(arrays)` per 50,000 rows: the driver sends 13 arrays, not 650,000 parameters. */
async function seedPostgres(url: string, rows: number, now: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const types = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'bigint', 'bigint', 'integer', 'text', 'bigint', 'text'];
    const statement = `insert into tokens (${COLUMNS.join(',')}) select * from unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(',')})`;
    // As on SQLite: secondary indexes dropped for the load, rebuilt from their definitions after.
    const indexes = (await client.query<{ indexname: string; indexdef: string }>(`select indexname, indexdef from pg_indexes where tablename = 'tokens' and indexname <> 'tokens_pkey'`)).rows;
    for (const { indexname } of indexes) await client.query(`drop index "${indexname}"`);
    const chunk = 50_000;
    for (let from = 0; from < rows; from += chunk) {
      const arrays: unknown[][] = COLUMNS.map(() => []);
      for (let i = from; i < Math.min(rows, from + chunk); i++) {
        const row = tokenRow(i, rows, now);
        COLUMNS.forEach((column, c) => arrays[c]!.push(row[column]));
      }
      await client.query(statement, arrays);
      progress(from + chunk, rows);
    }
    await client.query(`set maintenance_work_mem = '512MB'`);
    for (const { indexdef } of indexes) await client.query(indexdef);
    await client.query('analyze tokens');
  } finally {
    await client.end();
  }
}

let lastProgress = 0;
function progress(done: number, rows: number): void {
  if (Date.now() - lastProgress < 10_000) return;
  lastProgress = Date.now();
  console.log(`  ${Math.min(done, rows).toLocaleString('en-US')} / ${rows.toLocaleString('en-US')}`);
}

/** What an operator's console asks for, each request with fresh values. */
function queries(now: number): Query[] {
  // A cursor positioned somewhere in the older half of the table: deep paging without walking there.
  const deep = () => encodeCursor([now - 29 * DAY_S + pick(15 * DAY_S), 'zzzz']);
  return [
    { name: 'newest page', next: () => '' },
    { name: 'client_id', next: () => `client_id=${clientId(pick(CLIENTS))}` },
    { name: 'subject', next: () => `subject=${subjectOf(pick(SUBJECTS))}` },
    { name: 'status=active', next: () => 'status=active' },
    { name: 'status=expired', next: () => 'status=expired' },
    { name: 'status=revoked', next: () => 'status=revoked' },
    { name: 'client_id + status=revoked', next: () => `client_id=${clientId(pick(CLIENTS))}&status=revoked` },
    { name: 'deep cursor', next: () => `cursor=${deep()}` },
    { name: 'deep cursor + status=revoked', next: () => `status=revoked&cursor=${deep()}` },
    { name: 'deep cursor + client_id', next: () => `client_id=${clientId(pick(CLIENTS))}&cursor=${deep()}` },
  ];
}

async function measureQuery(url: string, token: string, query: Query, requests: number): Promise<QueryResult> {
  const times: number[] = [];
  let items = 0;
  let non200 = 0;
  for (let i = 0; i < requests + 5; i++) {
    const started = performance.now();
    const response = await fetch(`${url}?${query.next()}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { items?: unknown[] };
    const elapsed = performance.now() - started;
    // The first few warm the statement cache and the connection.
    if (i < 5) continue;
    times.push(elapsed);
    if (response.status !== 200) non200++;
    items += body.items?.length ?? 0;
  }
  return { name: query.name, requests, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), maxMs: Math.max(...times), items, non200 };
}

function printReport(results: readonly StoreResult[]): void {
  const rows = results.flatMap((result) =>
    result.error !== undefined
      ? [[result.store, 'not measured', '', '', '', '', result.error]]
      : result.queries.map((q) => [result.store, q.name, formatMs(q.p50Ms), formatMs(q.p99Ms), formatMs(q.maxMs), q.p99Ms <= TARGET_P99_MS ? 'yes' : 'NO', q.non200 ? `${q.non200} non-200` : `${q.items} items`]),
  );
  console.log(`\n${renderTable(['store', 'query', 'p50 ms', 'p99 ms', 'max ms', `p99 ≤ ${TARGET_P99_MS} ms`, 'note'], rows, ['left', 'left', 'right', 'right', 'right', 'left', 'left'])}`);
  console.log(`\n${renderTable(
    ['store', 'rows', 'seed s', 'rows/s'],
    results.map((r) => [r.store, r.rows.toLocaleString('en-US'), r.seedS === undefined ? '-' : r.seedS.toFixed(1), r.seedRowsPerS === undefined ? '-' : Math.round(r.seedRowsPerS).toLocaleString('en-US')]),
    ['left', 'right', 'right', 'right'],
  )}`);
}

// Last: the constants above must be initialised before main runs.
await main().catch((err: unknown) => {
  console.error(`token-list: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
