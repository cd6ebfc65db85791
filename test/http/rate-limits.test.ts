/**
 * Rate limits (issue 8 "Operations"; INTERFACE.md "Brute force and rate limits") over real HTTP:
 * the tenant settings, 429 with Retry-After in each endpoint's format, counters per client, per
 * source and per account, exact limits across two nodes of one PostgreSQL, leases for large
 * limits, failing open when the counter store fails, and the purge of past windows.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { FormClient, parseForm } from '../helpers/forms.js';
import { openDb } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore } from '../../src/store/index.js';
import { RateLimiter } from '../../src/ratelimit/limiter.js';
import { RefusalAudit } from '../../src/ratelimit/refusal-audit.js';
import { GatehouseMetrics } from '../../src/metrics/gatehouse-metrics.js';
import { defaultSettings } from '../../src/domain/tenant.js';
import { Maintenance } from '../../src/core/maintenance.js';
import { randomToken } from '../../src/crypto/random.js';
import { freshWindow } from '../helpers/rate-limits.js';

const REDIRECT = 'https://app.example/cb';
const silent = pino({ level: 'silent' });

for (const database of testDatabases()) {
  describe(`rate limits on ${database.name}`, () => {
    let server: TestServer;
    let admin: string;
    const adminApi = (path: string, init?: RequestInit) => request(`${server.url}/admin/api/v1${path}`, init);
    const setLimits = async (limits: Record<string, number>) => {
      const response = await adminApi('/settings', json('PATCH', { rate_limits: limits }, bearer(admin)));
      assert.equal(response.status, 200, JSON.stringify(response.body));
    };
    async function register(metadata: Record<string, unknown>) {
      const response = await request(`${server.url}/oauth/register`, json('POST', metadata, bearer(admin)));
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return { id: response.body.client_id as string, secret: response.body.client_secret as string };
    }
    const machine = (name: string) => register({ client_name: name, grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' });
    const tokenAt = (path: string, client: { id: string; secret: string }) => request(`${server.url}${path}`, form({ grant_type: 'client_credentials' }, { authorization: basic(client.id, client.secret) }));

    before(async () => {
      server = await startServer(await database.create());
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
    });
    after(() => server.close());

    test('settings: documented defaults, partial PATCH merged, invalid values refused', async () => {
      const got = await adminApi('/settings', { headers: bearer(admin) });
      assert.deepEqual(got.body.rate_limits, { token_per_client_per_min: 0, introspect_per_client_per_min: 0, authorize_per_source_per_min: 300, login_per_account_per_min: 30, login_per_source_per_min: 120 });
      const patched = await adminApi('/settings', json('PATCH', { rate_limits: { introspect_per_client_per_min: 7 } }, bearer(admin)));
      assert.equal(patched.status, 200);
      assert.equal(patched.body.rate_limits.introspect_per_client_per_min, 7);
      assert.equal(patched.body.rate_limits.login_per_account_per_min, 30, 'omitted fields keep their values');
      for (const bad of [{ token_per_client_per_min: -1 }, { token_per_client_per_min: 1.5 }, { per_planet: 3 }]) {
        const refused = await adminApi('/settings', json('PATCH', { rate_limits: bad }, bearer(admin)));
        assert.equal(refused.status, 400, JSON.stringify(bad));
        assert.match(refused.headers.get('content-type') ?? '', /application\/problem\+json/);
      }
      await setLimits({ introspect_per_client_per_min: 0 });
    });

    test('token endpoint: per client across its aliases, failed authentication counts, 429 JSON with Retry-After', async () => {
      const limited = await machine('limited');
      const other = await machine('other');
      await setLimits({ token_per_client_per_min: 3 });
      try {
        await freshWindow();
        assert.equal((await tokenAt('/oauth/token', limited)).status, 200);
        assert.equal((await tokenAt('/oauth/access_token', limited)).status, 200);
        // A guessed secret is counted against the client it names.
        assert.equal((await tokenAt('/oauth/token', { id: limited.id, secret: 'guess' })).status, 401);
        const refused = await tokenAt('/oauth/gam/v2.0/access_token', limited);
        assert.equal(refused.status, 429);
        assert.equal(refused.body.error, 'temporarily_unavailable');
        assert.match(refused.body.error_description, /too many requests/);
        const retryAfter = Number(refused.headers.get('retry-after'));
        assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${refused.headers.get('retry-after')}`);
        assert.equal(refused.headers.get('cache-control'), 'no-store');
        assert.equal((await tokenAt('/oauth/token', { id: limited.id, secret: 'guess' })).status, 429, 'guessing stops too');
        assert.equal((await tokenAt('/oauth/token', other)).status, 200, 'other clients keep their own count');
        // Unknown client ids are not counted (they cost nothing but a failed authentication).
        assert.equal((await tokenAt('/oauth/token', { id: `nobody-${randomToken(64)}`, secret: 'x' })).status, 401);
      } finally {
        await setLimits({ token_per_client_per_min: 0 });
      }
      assert.equal((await tokenAt('/oauth/token', limited)).status, 200, '0 = no limit');
    });

    test('introspection: per calling client', async () => {
      const caller = await machine('introspector');
      const token = await clientCredentialsToken(server.url, caller.id, caller.secret);
      await setLimits({ introspect_per_client_per_min: 2 });
      try {
        await freshWindow();
        const introspect = (auth: string) => request(`${server.url}/oauth/introspect`, form({ token }, { authorization: auth }));
        assert.equal((await introspect(basic(caller.id, caller.secret))).body.active, true);
        assert.equal((await introspect(basic(caller.id, caller.secret))).body.active, true);
        const refused = await introspect(basic(caller.id, caller.secret));
        assert.equal(refused.status, 429);
        assert.equal(refused.body.error, 'temporarily_unavailable');
        assert.ok(Number(refused.headers.get('retry-after')) >= 1);
        assert.equal((await introspect(basic(ADMIN_ID, ADMIN_SECRET))).status, 200, 'another caller is not limited');
      } finally {
        await setLimits({ introspect_per_client_per_min: 0 });
      }
    });

    test('authorize and login: per source, per account; 429 pages with Retry-After; refusals audited once', async () => {
      const web = await register({ client_name: 'web', redirect_uris: [REDIRECT], grant_types: ['authorization_code'], scope: 'openid' });
      const created = await adminApi('/users', json('POST', { username: 'carol', password: 'carol-password-1' }, bearer(admin)));
      assert.equal(created.status, 201);
      const authorizeUrl = `${server.url}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: web.id, redirect_uri: REDIRECT, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`;
      const loginForm = async (browser: FormClient) => {
        const page = await browser.go(authorizeUrl);
        return parseForm(page.body, page.url, page.response.status);
      };

      // First in this file to call /oauth/authorize: 127.0.0.1 has no count yet in this window.
      await setLimits({ authorize_per_source_per_min: 2 });
      try {
        await freshWindow();
        const browser = new FormClient(server.url);
        assert.equal((await browser.go(authorizeUrl)).response.status, 200);
        assert.equal((await browser.go(authorizeUrl)).response.status, 200);
        const refused = await browser.go(authorizeUrl);
        assert.equal(refused.response.status, 429);
        assert.match(refused.body, /Too many attempts/);
        assert.ok(Number(refused.response.headers.get('retry-after')) >= 1);
        assert.equal((await browser.go(authorizeUrl)).response.status, 429);
      } finally {
        await setLimits({ authorize_per_source_per_min: 300 });
      }

      await setLimits({ login_per_account_per_min: 2, login_per_source_per_min: 0 });
      try {
        await freshWindow();
        const browser = new FormClient(server.url);
        assert.equal((await browser.submit(await loginForm(browser), { username: 'Carol', password: 'wrong-password-1' })).response.status, 401);
        assert.equal((await browser.submit(await loginForm(browser), { username: 'carol', password: 'wrong-password-2' })).response.status, 401);
        const refused = await browser.submit(await loginForm(browser), { username: 'CAROL', password: 'carol-password-1' });
        assert.equal(refused.response.status, 429, 'the account is counted whatever the case of its name');
        assert.match(refused.response.headers.get('content-type') ?? '', /text\/html/);
        assert.match(refused.body, /Too many attempts/);
        assert.ok(Number(refused.response.headers.get('retry-after')) >= 1);
        const otherAccount = await browser.submit(await loginForm(browser), { username: 'dave', password: 'whatever-1' });
        assert.equal(otherAccount.response.status, 401, 'another account (known or not) has its own count');
      } finally {
        await setLimits({ login_per_account_per_min: 30, login_per_source_per_min: 120 });
      }

      // Per source: one browser trying many accounts.
      await setLimits({ login_per_account_per_min: 0, login_per_source_per_min: 2 });
      try {
        await freshWindow();
        const browser = new FormClient(server.url);
        for (const name of ['ann', 'ben']) assert.equal((await browser.submit(await loginForm(browser), { username: name, password: 'guess-password' })).response.status, 401);
        const refused = await browser.submit(await loginForm(browser), { username: 'carol', password: 'carol-password-1' });
        assert.equal(refused.response.status, 429, 'a third account from the same address');
        assert.ok(Number(refused.response.headers.get('retry-after')) >= 1);
      } finally {
        await setLimits({ login_per_account_per_min: 30, login_per_source_per_min: 120 });
      }

      // Four refusals of two keys above: one audit event per key and window, not one per refusal.
      const events = await waitFor(async () => {
        const list = (await adminApi('/audit-events?limit=200', { headers: bearer(admin) })).body.items as { action: string; target: string; detail: Record<string, unknown> }[];
        const found = list.filter((e) => e.action === 'rate_limit.exceeded' && /^(login_account|authorize_source):/.test(e.target));
        return found.length >= 2 ? found : undefined;
      });
      assert.deepEqual(events.map((e) => e.target).sort(), ['authorize_source:127.0.0.1', 'login_account:carol']);
      assert.equal((await adminApi('/audit-events?limit=200', { headers: bearer(admin) })).body.items.filter((e: { target: string }) => e.target === 'login_source:127.0.0.1').length, 1);
      assert.equal(events.find((e) => e.target === 'login_account:carol')!.detail.limit, 2);
    });

    test('large limits lease units: two limiters on one store together allow exactly the limit', async () => {
      const store = createStore(await migratedDb(await database.create()));
      try {
        const limits = { ...defaultSettings().rate_limits, token_per_client_per_min: 300 };
        let writes = 0;
        const counters = { add: (...args: Parameters<typeof store.rateLimits.add>) => (writes++, store.rateLimits.add(...args)) };
        const nodes = [0, 1].map(() => new RateLimiter({ counters, shared: true, metrics: new GatehouseMetrics(), audit: new RefusalAudit(store, silent), log: silent }));
        await freshWindow();
        let passed = 0;
        for (let i = 0; i < 400; i++) if ((await nodes[i % 2]!.take('default', limits, 'token_client', 'busy', '127.0.0.1')) === 0) passed++;
        assert.equal(passed, 300);
        assert.ok(writes < 100, `${writes} counter writes for 400 requests: units are leased, and spent keys refused locally`);
      } finally {
        await store.close();
      }
    });

    test('a failing counter store lets requests through (fail open) and is counted', async () => {
      const store = createStore(await migratedDb(await database.create()));
      await store.close();
      const metrics = new GatehouseMetrics();
      const limiter = new RateLimiter({ counters: store.rateLimits, shared: true, metrics, audit: new RefusalAudit(store, silent), log: silent });
      const limits = { ...defaultSettings().rate_limits, token_per_client_per_min: 1 };
      for (let i = 0; i < 3; i++) assert.equal(await limiter.take('default', limits, 'token_client', 'c', '127.0.0.1'), 0);
      assert.match(metrics.registry.render(), /^gatehouse_rate_limit_store_errors_total 3$/m);
    });

    test('maintenance purges counters of past windows', async () => {
      const now = Math.floor(Date.now() / 1000);
      await server.gh.store.rateLimits.add('default', 'token_client', 'old', now - 600, 1);
      await server.gh.store.rateLimits.add('default', 'token_client', 'current', Math.floor(now / 60) * 60, 1);
      const { store, keys, revocations, log } = server.gh;
      await new Maintenance({ store, keys, revocations, log, auditRetentionS: 365 * 86400 }).runOnce();
      assert.equal(await server.gh.store.rateLimits.add('default', 'token_client', 'old', now - 600, 1), 1, 'the old row was deleted');
      assert.equal(await server.gh.store.rateLimits.add('default', 'token_client', 'current', Math.floor(now / 60) * 60, 1), 2, 'the current window is kept');
    });
  });
}

async function migratedDb(url: string) {
  const db = openDb(url);
  await migrateToLatest(db);
  return db;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const postgres = testDatabases().find((d) => d.name === 'postgres');
if (postgres) {
  describe('rate limits across two nodes of one PostgreSQL', () => {
    const nodes: TestServer[] = [];
    after(async () => {
      for (const node of nodes) await node.close();
    });

    test('token_per_client_per_min 5: ten requests alternating between the nodes, exactly five pass', async () => {
      const url = await postgres.create();
      // One issuer and one server secret: two nodes of one deployment.
      const shared = { GATEHOUSE_SECRET_KEY: `v1:${randomToken(256)}`, GATEHOUSE_ISSUER: 'https://gatehouse.test' };
      nodes.push(await startServer(url, shared));
      nodes.push(await startServer(url, shared));
      const [a, b] = nodes.map((node) => ({ url: `http://127.0.0.1:${(node.app.server.address() as AddressInfo).port}` })) as [{ url: string }, { url: string }];
      const admin = await clientCredentialsToken(a.url, ADMIN_ID, ADMIN_SECRET);
      const registered = await request(`${a.url}/oauth/register`, json('POST', { client_name: 'two-node', grant_types: ['client_credentials'] }, bearer(admin)));
      assert.equal(registered.status, 201);
      const client = { id: registered.body.client_id as string, secret: registered.body.client_secret as string };
      const patched = await request(`${a.url}/admin/api/v1/settings`, json('PATCH', { rate_limits: { token_per_client_per_min: 5 } }, bearer(admin)));
      assert.equal(patched.status, 200);
      // Node b learns of the change through the change feed.
      await waitFor(async () => ((await request(`${b.url}/admin/api/v1/settings`, { headers: bearer(admin) })).body.rate_limits.token_per_client_per_min === 5 ? true : undefined));
      await freshWindow();
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const node = i % 2 === 0 ? a : b;
        statuses.push((await request(`${node.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(client.id, client.secret) }))).status);
      }
      assert.equal(statuses.filter((s) => s === 200).length, 5, statuses.join(' '));
      assert.equal(statuses.filter((s) => s === 429).length, 5, statuses.join(' '));
    });
  });
}
