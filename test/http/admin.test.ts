/**
 * The admin API at /admin/api/v1 (INTERFACE.md "Admin API"): authentication, RFC 9457 problems,
 * clients, scopes, tokens, settings, audit events and the OpenAPI document, over real HTTP on
 * SQLite and PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import SwaggerParser from '@apidevtools/swagger-parser';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request, type JsonResponse } from '../helpers/oauth.js';
import { within } from '../helpers/deadline.js';
import { openDb } from '../../src/store/db.js';

const API = '/admin/api/v1';
const DAY_S = 86400;
const suffix = () => randomBytes(4).toString('hex');
const nowS = () => Math.floor(Date.now() / 1000);

function assertProblem(response: JsonResponse, status: number, context = ''): void {
  assert.equal(response.status, status, `${context} ${JSON.stringify(response.body)}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/, context);
  const problem = response.body;
  assert.equal(typeof problem, 'object', context);
  assert.equal(typeof problem.type, 'string', context);
  assert.equal(typeof problem.title, 'string', context);
  assert.equal(problem.status, status, context);
  assert.equal(typeof problem.detail, 'string', context);
  assert.equal(typeof problem.instance, 'string', context);
}

/** A 400 problem whose field-level errors name `field`. */
function assertFieldError(response: JsonResponse, field: string, context = ''): void {
  assertProblem(response, 400, context);
  assert.ok(Array.isArray(response.body.errors) && response.body.errors.length > 0, `${context}: field errors expected`);
  for (const error of response.body.errors) {
    assert.equal(typeof error.field, 'string');
    assert.equal(typeof error.message, 'string');
  }
  const fields = response.body.errors.map((e: { field: string }) => e.field);
  assert.ok(fields.includes(field), `${context}: expected an error on "${field}", got ${JSON.stringify(fields)}`);
}

for (const database of testDatabases()) {
  describe(`admin API on ${database.name}`, () => {
    let server: TestServer;
    let databaseUrl: string;
    let adminToken: string;
    /** Every secret the suite received: none may appear in the audit log. */
    const secrets: string[] = [];

    before(async () => {
      databaseUrl = await database.create();
      server = await startServer(databaseUrl);
      adminToken = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
    });
    after(() => server.close());

    function api(method: string, path: string, body?: unknown, token = adminToken): Promise<JsonResponse> {
      const url = `${server.url}${API}${path}`;
      return request(url, body === undefined ? { method, headers: bearer(token) } : json(method, body, bearer(token)));
    }

    async function createClient(metadata: Record<string, unknown> = {}): Promise<Record<string, any>> {
      const response = await api('POST', '/clients', { client_name: `Client ${suffix()}`, grant_types: ['client_credentials'], ...metadata });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      if (response.body.client_secret) secrets.push(response.body.client_secret);
      secrets.push(response.body.registration_access_token);
      return response.body;
    }

    async function createScope(name: string, services: string[] = []): Promise<void> {
      const response = await api('POST', '/scopes', { name, services });
      assert.equal(response.status, 201, JSON.stringify(response.body));
    }

    const tokenRequest = (id: string, secret: string, params: Record<string, string> = {}) =>
      request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials', ...params }, { authorization: basic(id, secret) }));

    async function tokenOf(client: Record<string, any>, scope?: string): Promise<string> {
      const token = await clientCredentialsToken(server.url, client.client_id, client.client_secret, scope);
      secrets.push(token);
      return token;
    }

    async function introspect(token: string): Promise<Record<string, unknown>> {
      const response = await request(`${server.url}/oauth/introspect`, form({ token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body;
    }

    /** Every item of a paginated list, following next_cursor. */
    async function listAll(path: string, limit: number): Promise<{ items: any[]; pages: any[][] }> {
      const items: any[] = [];
      const pages: any[][] = [];
      let cursor: string | null = null;
      do {
        const separator = path.includes('?') ? '&' : '?';
        const response = await api('GET', `${path}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        assert.equal(response.status, 200, JSON.stringify(response.body));
        assert.ok(Array.isArray(response.body.items));
        assert.ok('next_cursor' in response.body);
        pages.push(response.body.items);
        items.push(...response.body.items);
        cursor = response.body.next_cursor;
        assert.ok(pages.length < 100, 'pagination terminates');
      } while (cursor !== null);
      return { items, pages };
    }

    describe('authentication', () => {
      test('no token: 401 problem with a Bearer realm challenge', async () => {
        const response = await request(`${server.url}${API}/clients`);
        assertProblem(response, 401);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+"/);
      });

      test('another authorization scheme is no token: 401 with a bare challenge (RFC 6750 §3.1)', async () => {
        for (const authorization of [`Basic ${Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64')}`, 'Token abc', `OAuth ${adminToken}`]) {
          const response = await request(`${server.url}${API}/clients`, { headers: { authorization } });
          assertProblem(response, 401);
          assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+"$/, authorization.slice(0, 6));
        }
      });

      test('a garbage or tampered token: 401 invalid_token', async () => {
        const [header, payload, signature] = adminToken.split('.');
        const tampered = `${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
        for (const token of ['garbage', tampered]) {
          const response = await api('GET', '/clients', undefined, token);
          assertProblem(response, 401, token);
          assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+".*error="invalid_token"/);
        }
      });

      test('a token without scope admin: 403 insufficient_scope', async () => {
        const client = await createClient();
        const token = await tokenOf(client);
        assert.equal(decodeJwt(token).scope, '');
        const response = await api('GET', '/clients', undefined, token);
        assertProblem(response, 403);
        assert.match(response.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
      });

      test('an unknown path under the API: 404 problem; an unsupported method: 405 problem with Allow', async () => {
        assertProblem(await api('GET', '/no-such-resource'), 404);
        const put = await api('PUT', '/clients');
        assertProblem(put, 405);
        assert.equal(put.headers.get('allow'), 'GET, HEAD, POST');
      });

      test('a body that is not JSON: malformed JSON is 400, another media type 415 (forms too: the document takes JSON only)', async () => {
        const url = `${server.url}${API}/clients`;
        const bodies: [RequestInit, number][] = [
          [{ method: 'POST', headers: { 'content-type': 'application/json', ...bearer(adminToken) }, body: '{"client_name":' }, 400],
          [{ method: 'POST', headers: { 'content-type': 'text/plain', ...bearer(adminToken) }, body: 'client_name=x' }, 415],
          [form({ client_name: 'Form' }, bearer(adminToken)), 415],
        ];
        for (const [init, status] of bodies) assertProblem(await request(url, init), status, String(init.body));
        assert.equal((await api('GET', '/clients?limit=500')).body.items.filter((c: { client_name: string }) => c.client_name === 'Form').length, 0, 'nothing was created');
        // An empty body is no body, whatever its type says (curl -d '' sends a form type).
        const client = await createClient();
        for (const type of ['application/x-www-form-urlencoded', 'text/plain;charset=UTF-8']) {
          const rotated = await request(`${server.url}${API}/clients/${client.client_id}/secret`, { method: 'POST', headers: { 'content-type': type, ...bearer(adminToken) }, body: '' });
          assert.equal(rotated.status, 200, `${type}: ${JSON.stringify(rotated.body)}`);
          secrets.push(rotated.body.client_secret);
        }
        // INTERFACE.md: a 400 names what is wrong in errors[], malformed JSON and a __proto__ key included.
        for (const body of ['{"client_name":', '{"client_name":"Proto","__proto__":{"x":1}}']) {
          const response = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(adminToken) }, body });
          assertProblem(response, 400, body);
          assert.equal(response.body.errors?.[0]?.field, 'body', body);
          assert.equal(typeof response.body.errors[0].message, 'string');
        }
      });

      test('Content-Type: application/json on a request without a body is no malformed JSON', async () => {
        const json = { 'content-type': 'application/json', ...bearer(adminToken) };
        const created = await request(`${server.url}${API}/clients`, { method: 'POST', headers: json, body: JSON.stringify({ client_name: `Bodiless ${Date.now()}`, grant_types: ['client_credentials'] }) });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const id = created.body.client_id;
        const rotated = await request(`${server.url}${API}/clients/${id}/secret`, { method: 'POST', headers: json });
        assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
        assert.ok(rotated.body.client_secret);
        assert.equal((await request(`${server.url}${API}/clients/${id}`, { method: 'DELETE', headers: json })).status, 204);
        const needsBody = await request(`${server.url}${API}/scopes`, { method: 'POST', headers: json });
        assertProblem(needsBody, 400, 'POST /scopes without a body');
        assert.ok(Array.isArray(needsBody.body.errors), 'an operation that needs a body still says so');
      });

      test('names that look alike are one name: composed and decomposed accents collide; invisible and direction-changing characters, and spaces around a username, are refused', async () => {
        const composed = `Café ${suffix()}`;
        assert.equal((await api('POST', '/clients', { client_name: composed, grant_types: ['client_credentials'] })).status, 201);
        assertProblem(await api('POST', '/clients', { client_name: composed.normalize('NFD'), grant_types: ['client_credentials'] }), 409, 'NFD client name');
        assertFieldError(await api('POST', '/clients', { client_name: `pay\u202Elapyap ${suffix()}`, grant_types: ['client_credentials'] }), 'client_name');

        const username = `zoë-${suffix()}`;
        assert.equal((await api('POST', '/users', { username: username.normalize('NFD'), password: 'zoe-password-123' })).status, 201);
        assertProblem(await api('POST', '/users', { username }), 409, 'NFC username');
        for (const deceptive of [`trail-${suffix()} `, ` lead-${suffix()}`, `rtl\u202Eevil-${suffix()}`, `zero\u200Bwidth-${suffix()}`]) assertFieldError(await api('POST', '/users', { username: deceptive }), 'username', JSON.stringify(deceptive));
        assert.equal((await api('POST', '/users', { username: `ZWNJ\u200Cjoins-${suffix()}` })).status, 201, 'joiners stay: scripts need them');

        const client = await createClient({ grant_types: ['password'] });
        const signInAs = async (name: string, password: string) => {
          const response = await tokenRequest(client.client_id, client.client_secret, { grant_type: 'password', username: name, password });
          if (response.body.access_token) secrets.push(response.body.access_token);
          return response;
        };
        assert.equal((await signInAs(username.normalize('NFC'), 'zoe-password-123')).status, 200, 'the user signs in typing either spelling');

        // Two users whose names differ only so were possible before: each still signs in with the spelling they have.
        const twin = await api('POST', '/users', { username: `twin-${suffix()}`, password: 'twin-password-123' });
        const db = openDb(databaseUrl);
        try {
          await db.kysely.updateTable('users').set({ username: username.normalize('NFC'), username_key: username.normalize('NFC').toLowerCase() }).where('id', '=', twin.body.id).execute();
        } finally {
          await db.close();
        }
        const asTwin = await signInAs(username.normalize('NFC'), 'twin-password-123');
        assert.equal(asTwin.status, 200, JSON.stringify(asTwin.body));
        assert.equal(asTwin.body.user_guid, twin.body.id);
        assert.equal((await signInAs(username.normalize('NFD'), 'zoe-password-123')).status, 200);
      });

      test('201 Created names the new resource in Location, which answers it', async () => {
        const name = `located-${suffix()}`;
        const creates: [string, unknown][] = [
          ['/clients', { client_name: `Located ${suffix()}`, grant_types: ['client_credentials'] }],
          ['/scopes', { name }],
          ['/users', { username: `located-${suffix()}` }],
          ['/services', { name: `located-${suffix()}`, path_prefix: `/located-${suffix()}`, upstream: 'http://127.0.0.1:9' }],
        ];
        for (const [path, body] of creates) {
          const response = await api('POST', path, body);
          assert.equal(response.status, 201, `${path}: ${JSON.stringify(response.body)}`);
          if (response.body.client_secret) secrets.push(response.body.client_secret, response.body.registration_access_token);
          const location = response.headers.get('location');
          assert.ok(location?.startsWith(`${API}${path}/`), `${path}: ${location}`);
          const found = await request(new URL(location!, server.url).toString(), { headers: bearer(adminToken) });
          assert.equal(found.status, 200, `${path}: GET ${location}`);
          assert.deepEqual(found.body, Object.fromEntries(Object.entries(response.body).filter(([key]) => key in found.body)), path);
        }
      });

      test('an unknown tenant: 404 problem', async () => {
        for (const token of [adminToken, undefined]) {
          const response = await request(`${server.url}/t/nope/admin/api/v1/clients`, token ? { headers: bearer(token) } : {});
          assertProblem(response, 404, token ? 'with token' : 'without token');
        }
      });
    });

    describe('clients', () => {
      test('POST creates a client and shows its secret once', async () => {
        const name = `Created ${suffix()}`;
        const client = await createClient({ client_name: name, redirect_uris: ['https://app.example/cb'], grant_types: ['authorization_code', 'client_credentials'] });
        assert.equal(client.client_name, name);
        assert.equal(client.client_version, '1');
        assert.ok(client.client_secret.length >= 43);
        assert.equal(client.access_token_lifetime, 3600);
        assert.equal(client.refresh_token_limit, 0);
        assert.equal(client.active, true);
        assert.equal(client.require_pkce, true);
        assert.equal(client.token_endpoint_auth_method, 'client_secret_basic');

        const read = await api('GET', `/clients/${encodeURIComponent(client.client_id)}`);
        assert.equal(read.status, 200);
        assert.equal(read.body.client_secret, undefined);
        assert.equal(read.body.registration_access_token, undefined);
        const { client_secret: _s, registration_access_token: _t, registration_client_uri: _u, ...stored } = client;
        assert.deepEqual(read.body, stored);
        assert.equal((await tokenRequest(client.client_id, client.client_secret)).status, 200);
      });

      test('POST validates: unknown fields, duplicate names, bad redirect URIs', async () => {
        assertFieldError(await api('POST', '/clients', { client_name: `X ${suffix()}`, grant_types: ['client_credentials'], colour: 'red' }), 'colour');
        const name = `Twin ${suffix()}`;
        await createClient({ client_name: name });
        const duplicate = await api('POST', '/clients', { client_name: name.toUpperCase(), grant_types: ['client_credentials'] });
        assertProblem(duplicate, 409);
        assertFieldError(await api('POST', '/clients', { client_name: `X ${suffix()}`, redirect_uris: ['http://app.example/cb'] }), 'redirect_uris');
      });

      test('GET /clients pages with limit and cursor, without duplicates', async () => {
        const created = new Set<string>();
        for (let i = 0; i < 7; i++) created.add((await createClient({ client_name: `Paged ${i} ${suffix()}` })).client_id);
        const { items, pages } = await listAll('/clients', 3);
        const ids = items.map((client) => client.client_id as string);
        assert.equal(new Set(ids).size, ids.length, 'no client appears twice');
        for (const id of created) assert.ok(ids.includes(id), `${id} is listed`);
        assert.ok(ids.includes(ADMIN_ID));
        assert.ok(pages.length >= 3);
        for (const page of pages.slice(0, -1)) assert.equal(page.length, 3);
        assert.ok(pages.at(-1)!.length <= 3);
        for (const client of items) assert.equal(client.client_secret, undefined);
        const all = await api('GET', '/clients');
        assert.equal(all.body.items.length, ids.length, 'the default limit (50) holds them all');
        assert.equal(all.body.next_cursor, null);
      });

      test('bad limit or cursor: 400 with the field named', async () => {
        assertFieldError(await api('GET', '/clients?limit=0'), 'limit');
        assertFieldError(await api('GET', '/clients?limit=501'), 'limit');
        assertFieldError(await api('GET', '/clients?limit=abc'), 'limit');
        assertFieldError(await api('GET', '/clients?cursor=bm90LWpzb24'), 'cursor');
      });

      test('GET, PATCH, DELETE of an unknown client: 404', async () => {
        assertProblem(await api('GET', '/clients/no-such-client'), 404);
        assertProblem(await api('PATCH', '/clients/no-such-client', { active: false }), 404);
        assertProblem(await api('DELETE', '/clients/no-such-client'), 404);
        assertProblem(await api('POST', '/clients/no-such-client/secret'), 404);
      });

      test('PATCH active:false refuses the client’s tokens, and they stay refused after reactivation', async () => {
        // Scope admin, so its token can be used at the admin API itself.
        const client = await createClient({ scope: 'admin' });
        const oldToken = await tokenOf(client);
        assert.equal((await api('GET', '/settings', undefined, oldToken)).status, 200);
        assert.equal((await introspect(oldToken)).active, true);

        const oldJti = decodeJwt(oldToken).jti;
        assert.equal((await api('GET', `/tokens/${oldJti}`)).body.cut_off, null);
        const deactivated = await api('PATCH', `/clients/${client.client_id}`, { active: false });
        assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body));
        // Not revoked row by row, yet token management lists it as revoked, and says why.
        const { status, cut_off } = (await api('GET', `/tokens/${oldJti}`)).body;
        assert.deepEqual({ status, cut_off }, { status: 'revoked', cut_off: 'client_deactivated' });
        const listed = async (status: string) => ((await api('GET', `/tokens?client_id=${client.client_id}&status=${status}`)).body.items as { id: string }[]).map((item) => item.id);
        assert.deepEqual(await listed('active'), [], 'not among the active tokens');
        assert.deepEqual(await listed('revoked'), [oldJti], 'among the revoked ones');
        assert.equal(deactivated.body.active, false);
        assertProblem(await api('GET', '/settings', undefined, oldToken), 401);
        assert.deepEqual(await introspect(oldToken), { active: false });
        const refused = await tokenRequest(client.client_id, client.client_secret);
        assert.equal(refused.status, 401);
        assert.equal(refused.body.error, 'invalid_client');

        const reactivated = await api('PATCH', `/clients/${client.client_id}`, { active: true });
        assert.equal(reactivated.status, 200, JSON.stringify(reactivated.body));
        assert.equal(reactivated.body.active, true);
        assertProblem(await api('GET', '/settings', undefined, oldToken), 401, 'the old token stays refused');
        assert.deepEqual(await introspect(oldToken), { active: false });
        assert.equal((await api('GET', `/tokens/${oldJti}`)).body.cut_off, 'client_deactivated', 'still cut off after reactivation');

        const newToken = await tokenOf(client);
        const newJti = decodeJwt(newToken).jti;
        assert.equal((await api('GET', `/tokens/${newJti}`)).body.cut_off, null);
        assert.deepEqual(await listed('active'), [newJti], 'after reactivation, only the new token is active');
        assert.deepEqual(await listed('revoked'), [oldJti]);
        assert.equal((await api('GET', '/settings', undefined, newToken)).status, 200, 'a token issued after reactivation works');
        assert.equal((await introspect(newToken)).active, true);
      });

      test('PATCH cannot change client_name or client_version, nor take unknown or mistyped fields', async () => {
        const client = await createClient();
        const path = `/clients/${client.client_id}`;
        const renamed = await api('PATCH', path, { client_name: 'Renamed' });
        assertFieldError(renamed, 'client_name');
        assert.equal(renamed.body.errors[0].field, 'client_name');
        assertFieldError(await api('PATCH', path, { client_version: '9' }), 'client_version');
        assertFieldError(await api('PATCH', path, { frobnicate: true }), 'frobnicate');
        assertFieldError(await api('PATCH', path, { access_token_lifetime: '60' }), 'access_token_lifetime');
        assertFieldError(await api('PATCH', path, { active: 'false' }), 'active');
        // The same name is not a change.
        assert.equal((await api('PATCH', path, { client_name: client.client_name })).status, 200);
        const read = await api('GET', path);
        assert.equal(read.body.client_name, client.client_name);
        assert.equal(read.body.active, true);
      });

      test('PATCH keeps omitted fields', async () => {
        const client = await createClient({ access_token_lifetime: 120, refresh_token_limit: null });
        const patched = await api('PATCH', `/clients/${client.client_id}`, { description: 'changed' });
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
        assert.equal(patched.body.description, 'changed');
        assert.equal(patched.body.access_token_lifetime, 120);
        assert.equal(patched.body.refresh_token_limit, null);
        assert.deepEqual(patched.body.grant_types, ['client_credentials']);
      });

      test('require_pkce_override is the client’s own setting: sent back unchanged, the client keeps following the tenant', async () => {
        assert.equal((await api('PATCH', '/settings', { require_pkce: false })).status, 200);
        try {
          const client = await createClient({ grant_types: ['authorization_code'], redirect_uris: ['https://app.example/cb'] });
          const path = `/clients/${client.client_id}`;
          assert.deepEqual([client.require_pkce, client.require_pkce_override], [false, null]);
          // What the console's edit form sends: every field, PKCE as the client's own setting.
          const { client_id: _i, client_type: _t, client_id_issued_at: _a, client_secret_expires_at: _e, client_secret: _s, registration_access_token: _r, registration_client_uri: _u, require_pkce_override, ...form } = client;
          const edited = await api('PATCH', path, { ...form, require_pkce: require_pkce_override, description: 'edited' });
          assert.equal(edited.status, 200, JSON.stringify(edited.body));
          assert.deepEqual([edited.body.require_pkce, edited.body.require_pkce_override], [false, null]);

          assert.equal((await api('PATCH', '/settings', { require_pkce: true })).status, 200);
          const read = (await api('GET', path)).body;
          assert.deepEqual([read.require_pkce, read.require_pkce_override], [true, null], 'it follows the tenant again');

          const optedOut = await api('PATCH', path, { require_pkce: false });
          assert.deepEqual([optedOut.body.require_pkce, optedOut.body.require_pkce_override], [false, false]);
          const publicClient = await createClient({ token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], redirect_uris: ['https://app.example/cb'] });
          assert.deepEqual([publicClient.require_pkce, publicClient.require_pkce_override], [true, null], 'public clients always use PKCE');
        } finally {
          await api('PATCH', '/settings', { require_pkce: true });
        }
      });

      test('a value outside a nullable field’s range: one clear message for the field, never "must match a schema in anyOf"', async () => {
        const client = await createClient();
        const path = `/clients/${client.client_id}`;
        for (const [body, field, message] of [
          [{ access_token_lifetime: 0 }, 'access_token_lifetime', 'must be null or an integer ≥ 1'],
          [{ access_token_lifetime: 1.5 }, 'access_token_lifetime', 'must be null or an integer ≥ 1'],
          [{ refresh_token_limit: -1 }, 'refresh_token_limit', 'must be null or an integer ≥ 0'],
          [{ require_pkce: 'yes' }, 'require_pkce', 'must be null, true or false'],
          [{ description: 'x'.repeat(2001) }, 'description', 'must be null or a string of at most 2000 characters'],
          [{ token_endpoint_auth_method: 'tls' }, 'token_endpoint_auth_method', 'must be "client_secret_basic", "client_secret_post" or "none"'],
        ] as const) {
          const response = await api('PATCH', path, body);
          assertFieldError(response, field, JSON.stringify(body));
          assert.deepEqual(response.body.errors, [{ field, message }], JSON.stringify(body));
          assert.doesNotMatch(JSON.stringify(response.body), /anyOf|must match a schema/);
        }
        // Several fields wrong at once: one message each.
        const both = await api('PATCH', path, { access_token_lifetime: 0, refresh_token_limit: -1 });
        assert.deepEqual(both.body.errors.map((e: { field: string }) => e.field).sort(), ['access_token_lifetime', 'refresh_token_limit']);
        assert.equal((await api('GET', path)).body.access_token_lifetime, client.access_token_lifetime);
      });

      test('the console’s own client is managed by the server: no delete, no deactivation, no change to how it signs in (409)', async () => {
        const path = '/clients/gatehouse-console';
        const managed = (await api('GET', path)).body;
        for (const [method, body, said] of [
          ['DELETE', undefined, /cannot be deleted/],
          ['PATCH', { active: false }, /cannot be deactivated/],
          ['PATCH', { redirect_uris: ['https://evil.example/console/'] }, /redirect_uris cannot change/],
          ['PATCH', { grant_types: ['authorization_code', 'refresh_token'] }, /grant_types cannot change/],
          ['PATCH', { token_endpoint_auth_method: 'client_secret_basic' }, /token_endpoint_auth_method cannot change/],
          ['PATCH', { scope: 'openid profile' }, /scope cannot change/],
        ] as const) {
          const response = await api(method, path, body);
          assertProblem(response, 409, `${method} ${JSON.stringify(body)}`);
          assert.match(response.body.detail, /gatehouse-console is the web console’s own client, managed by the server/);
          assert.match(response.body.detail, said);
        }
        assert.deepEqual((await api('GET', path)).body, managed, 'nothing changed');
        // What its sign-in does not depend on stays the administrator's; values sent unchanged are no change.
        const edited = await api('PATCH', path, { description: 'Our console', access_token_lifetime: 900, active: true, redirect_uris: managed.redirect_uris, scope: managed.scope });
        assert.equal(edited.status, 200, JSON.stringify(edited.body));
        assert.deepEqual([edited.body.description, edited.body.access_token_lifetime, edited.body.active], ['Our console', 900, true]);
        assert.equal((await api('PATCH', path, { description: managed.description, access_token_lifetime: managed.access_token_lifetime })).status, 200);
        // Other clients, the bootstrap admin client included, may still be deactivated and deleted.
        const other = await createClient();
        assert.equal((await api('PATCH', `/clients/${other.client_id}`, { active: false })).status, 200);
        assert.equal((await api('DELETE', `/clients/${other.client_id}`)).status, 204);
      });

      test('PATCH scope associates and disassociates scopes', async () => {
        const scope = `inventory-${suffix()}`;
        await createScope(scope, ['/inventory/**']);
        const client = await createClient();
        const path = `/clients/${client.client_id}`;

        const associated = await api('PATCH', path, { scope: `${scope} profile` });
        assert.equal(associated.status, 200, JSON.stringify(associated.body));
        assert.deepEqual(associated.body.scope.split(' ').sort(), [scope, 'profile'].sort());
        const granted = await tokenRequest(client.client_id, client.client_secret);
        assert.deepEqual(granted.body.scope.split(' ').sort(), [scope, 'profile'].sort());

        const disassociated = await api('PATCH', path, { scope: 'profile' });
        assert.equal(disassociated.body.scope, 'profile');
        assert.equal((await api('GET', path)).body.scope, 'profile');
        const refused = await tokenRequest(client.client_id, client.client_secret, { scope });
        assert.equal(refused.status, 400);
        assert.equal(refused.body.error, 'invalid_scope');

        assertFieldError(await api('PATCH', path, { scope: 'no-such-scope' }), 'scope');
      });

      test('POST /clients/{id}/secret issues a new secret; the old one stops working', async () => {
        const client = await createClient();
        const response = await api('POST', `/clients/${client.client_id}/secret`);
        assert.ok(response.status === 200 || response.status === 201, JSON.stringify(response.body));
        const fresh = response.body.client_secret as string;
        secrets.push(fresh);
        assert.equal(response.body.client_id, client.client_id);
        assert.ok(fresh.length >= 43);
        assert.notEqual(fresh, client.client_secret);
        assert.equal((await tokenRequest(client.client_id, fresh)).status, 200);
        const old = await tokenRequest(client.client_id, client.client_secret);
        assert.equal(old.status, 401);
        assert.equal(old.body.error, 'invalid_client');
      });

      test('a public client has no secret to regenerate: 409', async () => {
        const client = await createClient({ token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], redirect_uris: ['https://app.example/cb'] });
        assert.equal(client.client_secret, undefined);
        assertProblem(await api('POST', `/clients/${client.client_id}/secret`), 409);
      });

      test('a public client made confidential by PATCH receives its new secret once', async () => {
        const client = await createClient({ token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], redirect_uris: ['https://app.example/cb'] });
        const patched = await api('PATCH', `/clients/${client.client_id}`, { token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code', 'client_credentials'] });
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
        assert.equal(typeof patched.body.client_secret, 'string', 'the only chance to learn the generated secret');
        secrets.push(patched.body.client_secret);
        assert.equal((await tokenRequest(client.client_id, patched.body.client_secret)).status, 200);
      });

      test('DELETE removes the client and its tokens', async () => {
        const client = await createClient();
        const token = await tokenOf(client);
        const jti = decodeJwt(token).jti!;
        assert.equal((await api('DELETE', `/clients/${client.client_id}`)).status, 204);
        assertProblem(await api('GET', `/clients/${client.client_id}`), 404);
        assertProblem(await api('DELETE', `/clients/${client.client_id}`), 404);
        assert.deepEqual(await introspect(token), { active: false });
        assertProblem(await api('GET', `/tokens/${jti}`), 404);
        assert.equal((await tokenRequest(client.client_id, client.client_secret)).status, 401);
      });
    });

    describe('scopes', () => {
      test('POST creates a scope with service patterns', async () => {
        const name = `orders-${suffix()}`;
        const response = await api('POST', '/scopes', { name, description: 'Orders', services: ['/orders/**', 'GET /photos/*'] });
        assert.equal(response.status, 201, JSON.stringify(response.body));
        assert.equal(response.body.name, name);
        assert.equal(response.body.description, 'Orders');
        assert.deepEqual(response.body.services, ['/orders/**', 'GET /photos/*']);
        assert.equal(response.body.built_in, false);
        const read = await api('GET', `/scopes/${name}`);
        assert.deepEqual(read.body, response.body);
      });

      test('invalid service patterns: 400 naming the entry', async () => {
        for (const pattern of ['orders', '/a/**/b', '/a//b', 'FETCH /x', '/a/b*', '/a/../b', '']) {
          assertFieldError(await api('POST', '/scopes', { name: `bad-${suffix()}`, services: [pattern] }), 'services[0]', JSON.stringify(pattern));
        }
        assertFieldError(await api('POST', '/scopes', { name: `bad-${suffix()}`, services: ['/fine/*', 'not a path'] }), 'services[1]');
        assertFieldError(await api('POST', '/scopes', { name: 'has space' }), 'name');
        assertFieldError(await api('POST', '/scopes', { name: `x-${suffix()}`, colour: 'red' }), 'colour');
      });

      test('names are unique case-insensitively, built-in names included: 409', async () => {
        const name = `Reports-${suffix()}`;
        await createScope(name);
        assertProblem(await api('POST', '/scopes', { name: name.toUpperCase() }), 409);
        assertProblem(await api('POST', '/scopes', { name: name.toLowerCase() }), 409);
        for (const builtIn of ['admin', 'ADMIN', 'Admin', 'OpenID', 'Offline_Access']) {
          assertProblem(await api('POST', '/scopes', { name: builtIn }), 409, builtIn);
        }
      });

      test('built-in scopes are listed with built_in true and cannot be deleted or changed', async () => {
        const { items } = await listAll('/scopes', 500);
        const names = items.map((scope) => scope.name as string);
        assert.equal(new Set(names).size, names.length);
        for (const name of ['admin', 'openid', 'profile', 'email', 'offline_access', 'user_email', 'user_first_name', 'user_external_id']) {
          const scope = items.find((s) => s.name === name);
          assert.ok(scope, `${name} is listed`);
          assert.equal(scope.built_in, true, name);
        }
        assert.ok(!names.includes('FullControl'), 'FullControl only while the gam option is on');
        assertProblem(await api('DELETE', '/scopes/admin'), 409);
        assertProblem(await api('DELETE', '/scopes/openid'), 409);
        assert.equal((await api('GET', '/scopes/admin')).body.built_in, true);
        // It exists, so not 404: a conflict with what it is.
        assertProblem(await api('PATCH', '/scopes/admin', { services: ['/**'] }), 409);
        assert.deepEqual((await api('GET', '/scopes/admin')).body.services, []);
      });

      test('scopes page with limit and cursor', async () => {
        const { items, pages } = await listAll('/scopes', 2);
        const names = items.map((scope) => scope.name as string);
        assert.equal(new Set(names).size, names.length);
        assert.ok(pages.length > 2);
        const all = await api('GET', '/scopes?limit=500');
        assert.deepEqual(names, all.body.items.map((scope: { name: string }) => scope.name));
      });

      test('PATCH changes description and services, never the name', async () => {
        const name = `catalog-${suffix()}`;
        await createScope(name, ['/catalog/**']);
        assertFieldError(await api('PATCH', `/scopes/${name}`, { name: `${name}-2` }), 'name');
        const patched = await api('PATCH', `/scopes/${name}`, { description: 'Catalog', services: ['GET,HEAD /catalog/*'] });
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
        assert.equal(patched.body.description, 'Catalog');
        assert.deepEqual(patched.body.services, ['GET,HEAD /catalog/*']);
        assertFieldError(await api('PATCH', `/scopes/${name}`, { services: ['/catalog//x'] }), 'services[0]');
        assert.deepEqual((await api('GET', `/scopes/${name}`)).body.services, ['GET,HEAD /catalog/*'], 'a refused change changes nothing');
        assertProblem(await api('PATCH', '/scopes/no-such-scope', { description: 'x' }), 404);
      });

      test('DELETE: 409 while a client or a live token uses the scope, 204 once unused', async () => {
        const name = `shipping-${suffix()}`;
        await createScope(name, ['/shipping/**']);
        const client = await createClient({ scope: name });
        assertProblem(await api('DELETE', `/scopes/${name}`), 409, 'associated with a client');

        const token = await tokenOf(client);
        assert.equal(decodeJwt(token).scope, name);
        assert.equal((await api('PATCH', `/clients/${client.client_id}`, { scope: '' })).status, 200);
        assertProblem(await api('DELETE', `/scopes/${name}`), 409, 'carried by a live token');

        assert.equal((await api('DELETE', `/tokens/${decodeJwt(token).jti}`)).status, 204);
        assert.equal((await api('DELETE', `/scopes/${name}`)).status, 204);
        assertProblem(await api('GET', `/scopes/${name}`), 404);
        assertProblem(await api('DELETE', `/scopes/${name}`), 404);
      });

      test('DELETE: 409 while a live refresh token carries the scope, after its access token expired', async () => {
        const name = `albums-${suffix()}`;
        await createScope(name, ['/albums/**']);
        const client = await createClient({ scope: name, grant_types: ['password', 'refresh_token'], access_token_lifetime: 1, refresh_token_limit: null });
        const username = `albums-${suffix()}`;
        assert.equal((await api('POST', '/users', { username, password: 'albums-password-1' })).status, 201);
        const signIn = await tokenRequest(client.client_id, client.client_secret, { grant_type: 'password', username, password: 'albums-password-1' });
        assert.equal(signIn.status, 200, JSON.stringify(signIn.body));
        secrets.push(signIn.body.access_token, signIn.body.refresh_token);
        assert.equal((await api('PATCH', `/clients/${client.client_id}`, { scope: '' })).status, 200);
        assert.ok(await within(5000, async () => (await introspect(signIn.body.access_token)).active === false), 'the access token expires');
        assertProblem(await api('DELETE', `/scopes/${name}`), 409, 'carried by a live refresh token');

        const revoked = await request(`${server.url}/oauth/revoke`, form({ token: signIn.body.refresh_token }, { authorization: basic(client.client_id, client.client_secret) }));
        assert.equal(revoked.status, 200);
        assert.equal((await api('DELETE', `/scopes/${name}`)).status, 204, 'a revoked grant no longer holds it');
      });

      test('a live token with a scope whose name merely contains the scope does not block it', async () => {
        const name = `stock-${suffix()}`;
        await createScope(name);
        await createScope(`${name}.read`);
        const client = await createClient({ scope: `${name}.read` });
        await tokenOf(client);
        assert.equal((await api('DELETE', `/scopes/${name}`)).status, 204);
      });
    });

    describe('tokens', () => {
      let client: Record<string, any>;
      let issuedJti: string;

      before(async () => {
        const scope = `ledger-${suffix()}`;
        await createScope(scope, ['/ledger/**']);
        client = await createClient({ scope });
      });

      test('GET /tokens lists issued tokens with their details', async () => {
        const token = await tokenOf(client);
        const claims = decodeJwt(token);
        const { items } = await listAll(`/tokens?client_id=${encodeURIComponent(client.client_id)}`, 50);
        assert.equal(items.length, 1);
        const item = items[0];
        for (const field of ['id', 'client_id', 'subject', 'scope', 'issued_at', 'expires_at', 'status', 'cut_off', 'refresh_count_left']) assert.ok(field in item, field);
        assert.equal(item.id, claims.jti);
        assert.equal(item.client_id, client.client_id);
        assert.equal(item.subject, client.client_id);
        assert.equal(item.scope, client.scope);
        assert.equal(item.issued_at, claims.iat);
        assert.equal(item.expires_at, claims.exp);
        assert.equal(item.status, 'active');
        assert.equal(item.cut_off, null);
        const single = await api('GET', `/tokens/${claims.jti}`);
        assert.deepEqual(single.body, item);
        assert.ok(!JSON.stringify(items).includes(token), 'the token itself is never listed');
      });

      test('POST /tokens issues a token for a client, valid for expires_in_days', async () => {
        const response = await api('POST', '/tokens', { client_id: client.client_id, expires_in_days: 2 });
        assert.equal(response.status, 201, JSON.stringify(response.body));
        secrets.push(response.body.access_token);
        issuedJti = response.body.id;
        assert.ok(Math.abs(response.body.expires_at - (nowS() + 2 * DAY_S)) <= 60);
        assert.equal(decodeJwt(response.body.access_token).jti, issuedJti);
        const introspection = await introspect(response.body.access_token);
        assert.equal(introspection.active, true);
        assert.equal(introspection.client_id, client.client_id);
        assert.equal(introspection.jti, issuedJti);
        assert.equal(introspection.exp, response.body.expires_at);
        const listed = await api('GET', `/tokens/${issuedJti}`);
        assert.equal(listed.body.expires_at, response.body.expires_at);
        assert.equal(listed.body.status, 'active');
      });

      test('POST /tokens defaults to 30 days and validates its input', async () => {
        const response = await api('POST', '/tokens', { client_id: client.client_id });
        assert.equal(response.status, 201, JSON.stringify(response.body));
        secrets.push(response.body.access_token);
        assert.ok(Math.abs(response.body.expires_at - (nowS() + 30 * DAY_S)) <= 60);
        assertFieldError(await api('POST', '/tokens', { client_id: 'no-such-client' }), 'client_id');
        assertFieldError(await api('POST', '/tokens', { client_id: client.client_id, expires_in_days: 0 }), 'expires_in_days');
        assertFieldError(await api('POST', '/tokens', { client_id: client.client_id, scope: 'admin' }), 'scope');
        assertFieldError(await api('POST', '/tokens', {}), 'client_id');
      });

      test('DELETE /tokens/{id} revokes: status revoked, introspection exactly {"active":false}', async () => {
        const issued = await api('POST', '/tokens', { client_id: client.client_id, expires_in_days: 1 });
        const { id, access_token: token } = issued.body;
        secrets.push(token);
        assert.equal((await api('DELETE', `/tokens/${id}`)).status, 204);
        const listed = (await api('GET', `/tokens/${id}`)).body;
        assert.equal(listed.status, 'revoked');
        assert.equal(listed.revoked_reason, 'deleted by an administrator', 'token management says what revoked it');
        assert.equal(listed.cut_off, null);
        assert.equal((await api('GET', `/tokens/${issuedJti}`)).body.revoked_reason, null);
        assert.deepEqual(await introspect(token), { active: false });
        const revoked = await listAll(`/tokens?client_id=${encodeURIComponent(client.client_id)}&status=revoked`, 50);
        assert.deepEqual(revoked.items.map((t) => t.id), [id]);
        const active = await listAll(`/tokens?client_id=${encodeURIComponent(client.client_id)}&status=active`, 50);
        assert.ok(!active.items.some((t) => t.id === id));
        assert.ok(active.items.some((t) => t.id === issuedJti));
        assert.ok(active.items.every((t) => t.status === 'active'));
      });

      test('tokens page newest first by cursor; filters combine', async () => {
        for (let i = 0; i < 3; i++) await tokenOf(client);
        const { items, pages } = await listAll(`/tokens?client_id=${encodeURIComponent(client.client_id)}`, 2);
        const ids = items.map((t) => t.id as string);
        assert.equal(new Set(ids).size, ids.length);
        assert.ok(items.length >= 6);
        assert.ok(pages.length >= 3);
        for (let i = 1; i < items.length; i++) assert.ok(items[i - 1].issued_at >= items[i].issued_at, 'newest first');
        assert.ok(items.every((t) => t.client_id === client.client_id));
        const bySubject = await api('GET', `/tokens?subject=${encodeURIComponent(client.client_id)}&limit=500`);
        assert.equal(bySubject.body.items.length, items.length);
        assertFieldError(await api('GET', '/tokens?status=sleeping'), 'status');
      });

      test('DELETE of an unknown token: 404', async () => {
        assertProblem(await api('DELETE', '/tokens/no-such-token'), 404);
        assertProblem(await api('GET', '/tokens/no-such-token'), 404);
      });
    });

    describe('settings', () => {
      test('GET returns the defaults of INTERFACE.md', async () => {
        const response = await api('GET', '/settings');
        assert.equal(response.status, 200);
        // Settings may be extended; those INTERFACE.md names have these defaults.
        const defaults: Record<string, unknown> = {
          require_pkce: true,
          allowed_grants: ['authorization_code', 'implicit', 'client_credentials', 'password', 'refresh_token'],
          allow_insecure_redirect_uris: false,
          lockout: { max_failures: 30, wait_increment_s: 60, max_wait_s: 900, reset_after_s: 43200 },
          compat: { oauth_scheme: false, json_token_body: false, query_refresh: false, gam: false },
        };
        for (const [name, value] of Object.entries(defaults)) assert.deepEqual(response.body[name], value, name);
      });

      test('api_key_auth_types cannot drop a type a client is limited to (409); allowed_grants are stored once each', async () => {
        assert.equal((await api('PATCH', '/settings', { api_key_auth_types: ['apikey', 'Partners'] })).status, 200);
        const client = await createClient({ api_key_enabled: true, api_key_allowed_auth_type: 'partners' });
        try {
          const dropped = await api('PATCH', '/settings', { api_key_auth_types: ['apikey'] });
          assertProblem(dropped, 409, 'a type in use');
          assert.match(dropped.body.detail, new RegExp(client.client_id));
          assert.deepEqual((await api('GET', '/settings')).body.api_key_auth_types, ['apikey', 'Partners'], 'unchanged');
          assert.equal((await api('PATCH', '/settings', { api_key_auth_types: ['apikey', 'PARTNERS'] })).status, 200, 'a new spelling keeps it');
        } finally {
          assert.equal((await api('DELETE', `/clients/${client.client_id}`)).status, 204);
          assert.equal((await api('PATCH', '/settings', { api_key_auth_types: ['apikey'] })).status, 200);
        }
        const twice = await api('PATCH', '/settings', { allowed_grants: ['client_credentials', 'password', 'client_credentials'] });
        assert.deepEqual(twice.body.allowed_grants, ['client_credentials', 'password']);
        assert.equal((await api('PATCH', '/settings', { allowed_grants: ['authorization_code', 'implicit', 'client_credentials', 'password', 'refresh_token'] })).status, 200);
      });

      test('PATCH changes what it names, keeps the rest, and takes effect', async () => {
        const before = (await api('GET', '/settings')).body;
        const response = await api('PATCH', '/settings', { compat: { json_token_body: true } });
        assert.equal(response.status, 200, JSON.stringify(response.body));
        const expected = { ...before, compat: { ...before.compat, json_token_body: true } };
        assert.deepEqual(response.body, expected);
        assert.deepEqual((await api('GET', '/settings')).body, expected);

        // json_token_body lets the token endpoint take a JSON body.
        const jsonToken = await request(`${server.url}/oauth/token`, json('POST', { grant_type: 'client_credentials' }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
        assert.equal(jsonToken.status, 200, JSON.stringify(jsonToken.body));

        const restored = await api('PATCH', '/settings', { compat: { json_token_body: false } });
        assert.deepEqual(restored.body, before);
      });

      test('PATCH with a bad value or unknown field: 400 with field errors, nothing changed', async () => {
        const before = (await api('GET', '/settings')).body;
        assertFieldError(await api('PATCH', '/settings', { require_pkce: 'yes' }), 'require_pkce');
        assertFieldError(await api('PATCH', '/settings', { compat: { gam: 1 } }), 'compat.gam');
        assertFieldError(await api('PATCH', '/settings', { lockout: { max_failures: 0 } }), 'lockout.max_failures');
        assertFieldError(await api('PATCH', '/settings', { allowed_grants: ['magic'] }), 'allowed_grants[0]');
        assertFieldError(await api('PATCH', '/settings', { colour: 'red' }), 'colour');
        assertFieldError(await api('PATCH', '/settings', { lockout: { wait_increment_s: 60, max_wait_s: 59 } }), 'lockout.max_wait_s');
        assertFieldError(await api('PATCH', '/settings', { lockout: { wait_increment_s: before.lockout.max_wait_s + 1 } }), 'lockout.max_wait_s', 'against the stored cap');
        assert.deepEqual((await api('GET', '/settings')).body, before);
        const equal = await api('PATCH', '/settings', { lockout: { max_wait_s: before.lockout.wait_increment_s } });
        assert.equal(equal.status, 200, 'a cap of one increment is allowed');
        assert.equal((await api('PATCH', '/settings', { lockout: before.lockout })).status, 200);
      });
    });

    describe('users', () => {
      test('roles: at most 100, on POST and PATCH', async () => {
        const roles = (n: number) => Array.from({ length: n }, (_, i) => `role-${i}`);
        assertFieldError(await api('POST', '/users', { username: `many-${suffix()}`, roles: roles(101) }), 'roles');
        const created = await api('POST', '/users', { username: `hundred-${suffix()}`, roles: roles(100) });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(created.body.roles.length, 100);
        assertFieldError(await api('PATCH', `/users/${created.body.id}`, { roles: roles(101) }), 'roles');
      });

      test('consents page with limit and cursor; a bad limit or cursor is a 400', async () => {
        const created = await api('POST', '/users', { username: `consenter-${suffix()}` });
        const none = await api('GET', `/users/${created.body.id}/consents?limit=1`);
        assert.equal(none.status, 200, JSON.stringify(none.body));
        assert.deepEqual(none.body, { items: [], next_cursor: null });
        // Consents come from the sign-in pages (test/http/sign-in.test.ts); seeded here directly.
        for (const clientId of ['c-a', 'c-b', 'c-c']) {
          await server.gh.store.grants.saveConsent({ tenant_id: 'default', user_id: created.body.id, client_id: clientId, scope: 'openid', created_at: nowS() });
        }
        const first = await api('GET', `/users/${created.body.id}/consents?limit=2`);
        assert.deepEqual(first.body.items.map((c: { client_id: string }) => c.client_id), ['c-a', 'c-b']);
        const second = await api('GET', `/users/${created.body.id}/consents?limit=2&cursor=${first.body.next_cursor}`);
        assert.deepEqual(second.body.items.map((c: { client_id: string }) => c.client_id), ['c-c']);
        assert.equal(second.body.next_cursor, null);
        assertFieldError(await api('GET', `/users/${created.body.id}/consents?limit=abc`), 'limit');
        assertFieldError(await api('GET', `/users/${created.body.id}/consents?cursor=zz`), 'cursor');
      });
    });

    describe('services', () => {
      test('names are unique per tenant case-insensitively: 409', async () => {
        const name = `svc-${suffix()}`;
        const service = (n: string, prefix: string) => api('POST', '/services', { name: n, path_prefix: prefix, upstream: 'http://127.0.0.1:9' });
        assert.equal((await service(name, `/${name}`)).status, 201);
        const clash = await service(name.toUpperCase(), `/${name}-other`);
        assertProblem(clash, 409);
        assert.match(clash.body.detail, /already exists/);
        assertProblem(await service(`${name}-2`, `/${name}`), 409, 'the same prefix');
      });

      test('PATCH changes what it names and keeps the rest (timeout_ms included)', async () => {
        const name = `svc-${suffix()}`;
        const created = await api('POST', '/services', { name, path_prefix: `/${name}`, upstream: 'http://127.0.0.1:9', timeout_ms: 1500 });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const patched = await api('PATCH', `/services/${name}`, { pass_token: true });
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
        assert.equal(patched.body.pass_token, true);
        assert.equal(patched.body.timeout_ms, 1500);
        assert.equal((await api('GET', `/services/${name}`)).body.timeout_ms, 1500);
      });
    });

    describe('OpenAPI', () => {
      test('GET openapi.json (no auth) is a valid OpenAPI 3.1 document of the API', async () => {
        const response = await request(`${server.url}${API}/openapi.json`);
        assert.equal(response.status, 200);
        const doc = response.body;
        assert.match(doc.openapi, /^3\.1\./);
        await SwaggerParser.validate(structuredClone(doc));
        const paths = Object.keys(doc.paths);
        for (const path of ['/clients', '/clients/{clientId}', '/clients/{clientId}/secret', '/scopes', '/scopes/{name}', '/tokens', '/tokens/{id}', '/settings', '/audit-events']) {
          assert.ok(paths.includes(path), `${path} is documented (documented: ${paths.join(', ')})`);
        }
        assert.ok(doc.paths['/clients'].post && doc.paths['/clients'].get);
        const createNeeds = (path: string) => doc.paths[path].post.requestBody.content['application/json'].schema.required;
        for (const [path, fields] of [['/clients', ['client_name']], ['/scopes', ['name']], ['/users', ['username']], ['/services', ['name', 'path_prefix', 'upstream']], ['/tenants', ['id']]] as const) {
          assert.deepEqual(createNeeds(path), fields, `POST ${path} documents what it needs`);
        }
        assert.equal(doc.paths['/clients/{clientId}'].patch.requestBody.content['application/json'].schema.required, undefined, 'a PATCH needs nothing');
        assert.ok(doc.paths['/tokens/{id}'].delete);
        // Every documented path exists under the document's server URL.
        assert.equal(doc.servers?.[0]?.url, `${server.url}${API}`);
        for (const path of paths.filter((p) => doc.paths[p].get && !p.includes('{'))) {
          const response = await request(`${doc.servers[0].url}${path}`, { headers: bearer(adminToken) });
          assert.equal(response.status, 200, `GET ${path} is documented, so it exists`);
        }
      });
    });

    // Last: the log of everything above.
    describe('audit events', () => {
      test('record who did what to what, and never a secret', async () => {
        const { items, pages } = await listAll('/audit-events', 100);
        assert.ok(pages.length >= 1);
        const ids = items.map((event) => event.id);
        assert.equal(new Set(ids).size, ids.length);
        for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] > ids[i], 'newest first');
        for (const event of items) {
          assert.equal(typeof event.actor, 'string');
          assert.equal(typeof event.action, 'string');
          assert.equal(typeof event.target, 'string');
          assert.ok(Number.isInteger(event.created_at) && Math.abs(event.created_at - nowS()) < 600);
        }
        const actions = new Set(items.map((event) => event.action));
        for (const action of ['client.created', 'client.deactivated', 'client.activated', 'client.updated', 'client.secret_regenerated', 'client.deleted', 'scope.created', 'scope.updated', 'scope.deleted', 'token.issued', 'token.revoked', 'settings.updated']) {
          assert.ok(actions.has(action), `${action} is audited (have ${[...actions].join(', ')})`);
        }
        const deletion = items.find((event) => event.action === 'scope.deleted');
        assert.equal(deletion.actor, ADMIN_ID, 'the actor is the admin token’s subject');

        const text = JSON.stringify(items);
        assert.ok(secrets.length > 10);
        for (const secret of [...secrets, ADMIN_SECRET, adminToken]) assert.ok(!text.includes(secret), 'no secret in the audit log');
      });
    });
  });
}
