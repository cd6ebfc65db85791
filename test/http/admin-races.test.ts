/**
 * Concurrent writes of the same object through the admin API and registration: exactly one
 * creation wins and every other request gets the answer a sequential duplicate gets (409 problem,
 * or RFC 7591 invalid_client_metadata), never a 500. Overlapping gateway prefixes sent at once,
 * even by different tenants, leave exactly one of them. Over real HTTP on SQLite and PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { bearer, clientCredentialsToken, json, request, type JsonResponse } from '../helpers/oauth.js';

const RACERS = 8;
const suffix = () => randomBytes(4).toString('hex');

/** Exactly one 201; every other answer is a 409 problem saying what already exists. */
function assertOneCreated(responses: JsonResponse[], context: string): JsonResponse {
  const statuses = responses.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 201).length, 1, `${context}: ${JSON.stringify(statuses)}`);
  for (const response of responses.filter((r) => r.status !== 201)) {
    assert.equal(response.status, 409, `${context}: ${JSON.stringify(response.body)}`);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/, context);
    assert.equal(response.body.status, 409, context);
    assert.match(response.body.detail, /already|overlaps/, context);
  }
  return responses.find((r) => r.status === 201)!;
}

for (const database of testDatabases()) {
  describe(`admin races on ${database.name}`, () => {
    let server: TestServer;
    let adminToken: string;

    before(async () => {
      server = await startServer(await database.create());
      adminToken = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const acme = await api('POST', '/tenants', { id: 'acme' });
      assert.equal(acme.status, 201, JSON.stringify(acme.body));
    });
    after(() => server.close());

    function api(method: string, path: string, body?: unknown, base = ''): Promise<JsonResponse> {
      const url = `${server.url}${base}/admin/api/v1${path}`;
      return request(url, body === undefined ? { method, headers: bearer(adminToken) } : json(method, body, bearer(adminToken)));
    }

    const race = (make: (i: number) => Promise<JsonResponse>) => Promise.all(Array.from({ length: RACERS }, (_, i) => make(i)));

    test('settings: PATCHes of different fields at once all take effect', async () => {
      const patches: Record<string, unknown>[] = [
        { compat: { oauth_scheme: true } },
        { compat: { json_token_body: true } },
        { compat: { query_refresh: true } },
        { allow_insecure_redirect_uris: true },
        { lockout: { max_failures: 7 } },
        { lockout: { reset_after_s: 600 } },
        { rate_limits: { token_per_client_per_min: 1234 } },
        { require_pkce: false },
      ];
      const base = '/t/acme';
      const responses = await Promise.all(patches.map((patch) => api('PATCH', '/settings', patch, base)));
      for (const response of responses) assert.equal(response.status, 200, JSON.stringify(response.body));
      const { body: settings } = await api('GET', '/settings', undefined, base);
      assert.deepEqual(settings.compat, { oauth_scheme: true, json_token_body: true, query_refresh: true, gam: false });
      assert.equal(settings.allow_insecure_redirect_uris, true);
      assert.equal(settings.lockout.max_failures, 7);
      assert.equal(settings.lockout.reset_after_s, 600);
      assert.equal(settings.rate_limits.token_per_client_per_min, 1234);
      assert.equal(settings.require_pkce, false);
    });

    test('clients: one name and version created at once', async () => {
      const name = `race ${suffix()}`;
      assertOneCreated(await race(() => api('POST', '/clients', { client_name: name, grant_types: ['client_credentials'] })), 'clients');
      const list = await api('GET', '/clients?limit=500');
      assert.equal(list.body.items.filter((c: { client_name: string }) => c.client_name === name).length, 1);
    });

    test('users: one username, in different cases, created at once', async () => {
      const name = `raceu${suffix()}`;
      const created = assertOneCreated(await race((i) => api('POST', '/users', { username: i % 2 ? name.toUpperCase() : name, password: 'correct horse battery' })), 'users');
      assert.equal(created.body.username.toLowerCase(), name);
    });

    test('scopes and tenants: one name created at once', async () => {
      const name = `race-${suffix()}`;
      assertOneCreated(await race((i) => api('POST', '/scopes', { name: i % 2 ? name.toUpperCase() : name })), 'scopes');
      assertOneCreated(await race(() => api('POST', '/tenants', { id: name })), 'tenants');
    });

    test('services: one name (in any case) or one path_prefix created at once', async () => {
      const name = `race-${suffix()}`;
      const prefix = `/${name}`;
      assertOneCreated(await race((i) => api('POST', '/services', { name: `${name}-${i}`, path_prefix: prefix, upstream: 'http://127.0.0.1:9' })), 'same prefix');
      assertOneCreated(await race((i) => api('POST', '/services', { name: i % 2 ? `S${name}` : `s${name}`, path_prefix: `${prefix}-n${i}`, upstream: 'http://127.0.0.1:9' })), 'same name');
    });

    test('services: overlapping prefixes sent at once, from two tenants, leave one', async () => {
      const root = `/ovl-${suffix()}`;
      // A chain: every prefix overlaps every other, so exactly one can win whatever the order
      // (two siblings such as /sub/a and /sub/b do not overlap and could both be created).
      const prefixes = [root, `${root}/sub`, `${root}/sub/deeper`, `${root}/sub/deeper/most`];
      const responses = await Promise.all(
        prefixes.map((prefix, i) => api('POST', '/services', { name: `ovl-${i}`, path_prefix: prefix, upstream: 'http://127.0.0.1:9' }, i % 2 ? '/t/acme' : '')),
      );
      assertOneCreated(responses, 'overlapping prefixes');
      const all = [...(await api('GET', '/services?limit=500')).body.items, ...(await api('GET', '/services?limit=500', undefined, '/t/acme')).body.items];
      assert.equal(all.filter((s: { path_prefix: string }) => s.path_prefix.startsWith(root)).length, 1);
    });

    test('services: PATCHes moving services of two tenants onto overlapping prefixes at once leave one moved', async () => {
      const root = `/mv-${suffix()}`;
      // Each target overlaps every other one (a chain), so whichever moves first refuses the rest.
      const targets = [root, `${root}/x`, `${root}/x/y`, `${root}/x/y/z`];
      const base = (i: number) => (i % 2 ? '/t/acme' : '');
      for (const i of targets.keys()) {
        const created = await api('POST', '/services', { name: `mv-${i}`, path_prefix: `${root}-${i}`, upstream: 'http://127.0.0.1:9' }, base(i));
        assert.equal(created.status, 201, JSON.stringify(created.body));
      }
      const responses = await Promise.all(targets.map((prefix, i) => api('PATCH', `/services/mv-${i}`, { path_prefix: prefix }, base(i))));
      const statuses = responses.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 200).length, 1, JSON.stringify(responses.map((r) => r.body)));
      assert.deepEqual(statuses.filter((s) => s !== 200), [409, 409, 409]);
    });

    test('registration (RFC 7591): a race answers invalid_client_metadata, as a sequential duplicate does', async () => {
      const name = `race ${suffix()}`;
      const register = () => request(`${server.url}/oauth/register`, json('POST', { client_name: name, grant_types: ['client_credentials'] }, bearer(adminToken)));
      const responses = await race(register);
      assert.equal(responses.filter((r) => r.status === 201).length, 1, JSON.stringify(responses.map((r) => r.status)));
      const sequential = await register();
      for (const response of [...responses.filter((r) => r.status !== 201), sequential]) {
        assert.equal(response.status, 400, JSON.stringify(response.body));
        assert.equal(response.body.error, 'invalid_client_metadata');
        assert.match(response.body.error_description, /already exists/);
      }
    });
  });
}
