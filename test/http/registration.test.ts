/**
 * Dynamic client registration (RFC 7591) and client configuration (RFC 7592) at /oauth/register,
 * over real HTTP against a real server, on SQLite and PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request, type JsonResponse } from '../helpers/oauth.js';

const REDIRECT = 'https://app.example/cb';
const TEN_YEARS_S = 10 * 365 * 24 * 3600;

/** Names unique per run: client_name + client_version must be unique in the tenant. */
const unique = (label: string) => `${label} ${randomBytes(4).toString('hex')}`;

for (const database of testDatabases()) {
  describe(`client registration on ${database.name}`, () => {
    let server: TestServer;
    let adminToken: string;
    const scopeName = `orders-${randomBytes(3).toString('hex')}`;

    before(async () => {
      server = await startServer(await database.create());
      adminToken = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const created = await request(`${server.url}/admin/api/v1/scopes`, json('POST', { name: scopeName, services: ['/orders/**'] }, bearer(adminToken)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
    });
    after(() => server.close());

    const register = (body: unknown, token = adminToken) => request(`${server.url}/oauth/register`, json('POST', body, bearer(token)));

    /** RFC 7592 read/update/delete at the client's registration_client_uri. */
    const configure = (uri: string, method: 'GET' | 'PUT' | 'DELETE', token: string, body?: unknown) =>
      request(uri, body === undefined ? { method, headers: bearer(token) } : json(method, body, bearer(token)));

    const tokenRequest = (id: string, secret: string, params: Record<string, string> = {}) =>
      request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials', ...params }, { authorization: basic(id, secret) }));

    const introspect = (token: string) => request(`${server.url}/oauth/introspect`, form({ token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));

    async function registered(body: Record<string, unknown>): Promise<Record<string, any>> {
      const response = await register(body);
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body;
    }

    function assertRegistrationError(response: JsonResponse, error: 'invalid_client_metadata' | 'invalid_redirect_uri', context = '') {
      assert.equal(response.status, 400, `${context} ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error, error, context);
      assert.equal(typeof response.body.error_description, 'string', context);
    }

    describe('access', () => {
      test('no token: 401 with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
        const response = await request(`${server.url}/oauth/register`, json('POST', { client_name: unique('NoToken'), redirect_uris: [REDIRECT] }));
        assert.equal(response.status, 401);
        const challenge = response.headers.get('www-authenticate') ?? '';
        assert.match(challenge, /^Bearer realm="[^"]+"/);
        assert.doesNotMatch(challenge, /error=/, 'a request without credentials gets no error code');
      });

      test('an invalid token: 401 invalid_token', async () => {
        const response = await register({ client_name: unique('Garbage'), redirect_uris: [REDIRECT] }, 'not-a-real-token');
        assert.equal(response.status, 401);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
      });

      test('a token without scope admin: 403 insufficient_scope', async () => {
        const client = await registered({ client_name: unique('Orders reader'), grant_types: ['client_credentials'], scope: scopeName });
        const token = await clientCredentialsToken(server.url, client.client_id, client.client_secret);
        const response = await register({ client_name: unique('Denied'), redirect_uris: [REDIRECT] }, token);
        assert.equal(response.status, 403);
        assert.equal(response.body.error, 'insufficient_scope');
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer .*error="insufficient_scope"/);
      });
    });

    describe('registration', () => {
      test('a confidential client gets credentials and every field with its default', async () => {
        const before = Math.floor(Date.now() / 1000);
        const response = await register({ client_name: unique('Defaults'), redirect_uris: [REDIRECT] });
        assert.equal(response.status, 201, JSON.stringify(response.body));
        assert.match(response.headers.get('cache-control') ?? '', /no-store/);
        const client = response.body;
        assert.equal(typeof client.client_id, 'string');
        assert.ok(client.client_id.length > 0);
        assert.equal(typeof client.client_secret, 'string');
        assert.ok(client.client_secret.length >= 43, 'at least 256 bits, base64url');
        assert.equal(client.client_secret_expires_at, 0);
        assert.ok(Number.isInteger(client.client_id_issued_at) && Math.abs(client.client_id_issued_at - before) <= 60);
        assert.equal(typeof client.registration_access_token, 'string');
        assert.ok(client.registration_access_token.length >= 43);
        assert.equal(client.registration_client_uri, `${server.url}/oauth/register/${encodeURIComponent(client.client_id)}`);
        const defaults = {
          client_version: '1',
          token_endpoint_auth_method: 'client_secret_basic',
          redirect_uris: [REDIRECT],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          scope: '',
          access_token_lifetime: 3600,
          refresh_token_limit: 0,
          require_pkce: true,
          active: true,
          api_key_enabled: false,
          api_key_timeout_hours: 0,
          api_key_allowed_auth_type: null,
          api_key_scope_customization: false,
        };
        for (const [field, value] of Object.entries(defaults)) assert.deepEqual(client[field], value, field);
      });

      test('a confidential client may turn PKCE off', async () => {
        const client = await registered({ client_name: unique('No PKCE'), redirect_uris: [REDIRECT], require_pkce: false });
        assert.equal(client.require_pkce, false);
      });

      test('a public client gets no secret', async () => {
        const client = await registered({ client_name: unique('SPA'), token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT] });
        assert.equal(client.token_endpoint_auth_method, 'none');
        assert.equal(client.client_secret, undefined);
        assert.equal(client.client_secret_expires_at, undefined);
        assert.equal(client.require_pkce, true);
        assert.equal(typeof client.registration_access_token, 'string');
      });

      test('a public client cannot use client_credentials or password, nor turn PKCE off', async () => {
        for (const grant of ['client_credentials', 'password']) {
          const response = await register({ client_name: unique('Public'), token_endpoint_auth_method: 'none', grant_types: [grant] });
          assertRegistrationError(response, 'invalid_client_metadata', grant);
        }
        const response = await register({ client_name: unique('Public'), token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT], require_pkce: false });
        assertRegistrationError(response, 'invalid_client_metadata', 'require_pkce false');
      });

      test('redirect URIs: absolute, no fragment, no dangerous schemes, http only on loopback', async () => {
        const refused = [
          '/relative/cb',
          'app.example/cb',
          'https://app.example/cb#fragment',
          'javascript:alert(1)',
          'data:text/html,<script>alert(1)</script>',
          'file:///etc/passwd',
          'http://app.example/cb',
          'http://localhost.evil.example/cb',
          'http://127.0.0.1.nip.io/cb',
          // What WHATWG URL parsing would repair, RFC 3986 refuses; the stored string must be the URI.
          ' https://app.example/cb',
          'https://app.example/c b',
          'https:\\\\app.example\\cb',
          'http:/localhost/cb',
          'https://app.example/%zz',
        ];
        for (const uri of refused) {
          assertRegistrationError(await register({ client_name: unique('Redirect'), redirect_uris: [uri] }), 'invalid_redirect_uri', uri);
        }
        const accepted = ['http://127.0.0.1:8765/cb', 'http://localhost/cb', 'http://[::1]:9000/cb', 'https://app.example/cb?x=1', 'com.example.app:/oauth2redirect'];
        for (const uri of accepted) {
          const response = await register({ client_name: unique('Redirect'), redirect_uris: [uri] });
          assert.equal(response.status, 201, `${uri}: ${JSON.stringify(response.body)}`);
          assert.deepEqual(response.body.redirect_uris, [uri]);
        }
      });

      test('authorization_code without redirect_uris: invalid_redirect_uri', async () => {
        assertRegistrationError(await register({ client_name: unique('No redirect') }), 'invalid_redirect_uri');
        assertRegistrationError(await register({ client_name: unique('Empty redirect'), redirect_uris: [] }), 'invalid_redirect_uri');
      });

      test('invalid metadata: unknown grant type, response/grant type mismatch, unknown scope', async () => {
        const cases: [string, Record<string, unknown>][] = [
          ['unknown grant type', { grant_types: ['urn:example:magic'] }],
          ['code without authorization_code', { grant_types: ['client_credentials'], response_types: ['code'] }],
          ['authorization_code without code', { redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: ['token'] }],
          ['unknown response type', { redirect_uris: [REDIRECT], response_types: ['code id_token'] }],
          // INTERFACE.md: implicit only with grant_types implicit and response_types token, never inferred.
          ['implicit without response type token', { redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'implicit'] }],
          ['implicit alone without response types', { redirect_uris: [REDIRECT], grant_types: ['implicit'] }],
          ['unknown scope', { grant_types: ['client_credentials'], scope: 'no-such-scope' }],
          ['scope in another case', { grant_types: ['client_credentials'], scope: scopeName.toUpperCase() }],
          ['unknown auth method', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt_magic' }],
          ['lifetime of the wrong type', { grant_types: ['client_credentials'], access_token_lifetime: '60' }],
          ['no client_name', { client_name: undefined, grant_types: ['client_credentials'] }],
        ];
        for (const [label, metadata] of cases) {
          assertRegistrationError(await register({ client_name: unique('Invalid'), ...metadata }), 'invalid_client_metadata', label);
        }
      });

      test('a body that is not a JSON object: 400 invalid_client_metadata (INTERFACE.md: RFC 7591 §3.2.2 codes)', async () => {
        const url = `${server.url}/oauth/register`;
        const bodies: [string, RequestInit][] = [
          ['form', form({ client_name: 'Form', redirect_uris: REDIRECT }, bearer(adminToken))],
          ['text', { method: 'POST', headers: { 'content-type': 'text/plain', ...bearer(adminToken) }, body: '{"client_name":"Text"}' }],
          ['malformed JSON', { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(adminToken) }, body: '{"client_name":' }],
          ['JSON array', json('POST', [{ client_name: 'Array' }], bearer(adminToken))],
          ['__proto__ key', { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(adminToken) }, body: '{"client_name":"Proto","__proto__":{"x":1}}' }],
        ];
        for (const [label, init] of bodies) assertRegistrationError(await request(url, init), 'invalid_client_metadata', label);
      });

      test('client_name + client_version are unique per tenant, case-insensitively', async () => {
        const suffix = randomBytes(4).toString('hex');
        await registered({ client_name: `My App ${suffix}`, client_version: '1', grant_types: ['client_credentials'] });
        const duplicate = await register({ client_name: `MY APP ${suffix.toUpperCase()}`, client_version: '1', grant_types: ['client_credentials'] });
        assertRegistrationError(duplicate, 'invalid_client_metadata');
        const v2 = await registered({ client_name: `MY APP ${suffix.toUpperCase()}`, client_version: '2', grant_types: ['client_credentials'] });
        assert.equal(v2.client_version, '2');
      });

      test('a registered client_credentials client gets a token with its scope', async () => {
        const client = await registered({ client_name: unique('Machine'), grant_types: ['client_credentials'], scope: scopeName });
        assert.deepEqual(client.response_types, []);
        const response = await tokenRequest(client.client_id, client.client_secret);
        assert.equal(response.status, 200, JSON.stringify(response.body));
        assert.equal(response.body.token_type, 'Bearer');
        assert.equal(response.body.scope, scopeName);
        assert.equal(response.body.expires_in, 3600);
        const claims = decodeJwt(response.body.access_token);
        assert.equal(claims.client_id, client.client_id);
        assert.equal(claims.sub, client.client_id);
        assert.equal(claims.scope, scopeName);
        const refused = await tokenRequest(client.client_id, client.client_secret, { scope: 'admin' });
        assert.equal(refused.status, 400);
        assert.equal(refused.body.error, 'invalid_scope');
      });

      test('access_token_lifetime null: the token lasts until the ceiling and is listed as never expiring', async () => {
        const client = await registered({ client_name: unique('Forever'), grant_types: ['client_credentials'], access_token_lifetime: null });
        assert.equal(client.access_token_lifetime, null);
        const response = await tokenRequest(client.client_id, client.client_secret);
        assert.equal(response.status, 200, JSON.stringify(response.body));
        assert.equal(response.body.expires_in, TEN_YEARS_S);
        const claims = decodeJwt(response.body.access_token);
        assert.equal(claims.exp! - claims.iat!, TEN_YEARS_S);
        const listed = await request(`${server.url}/admin/api/v1/tokens?client_id=${encodeURIComponent(client.client_id)}`, { headers: bearer(adminToken) });
        assert.equal(listed.status, 200, JSON.stringify(listed.body));
        const item = listed.body.items.find((t: { id: string }) => t.id === claims.jti);
        assert.ok(item, 'the token is listed');
        assert.equal(item.expires_at, null);
        assert.equal(item.status, 'active');
      });
    });

    describe('client configuration (RFC 7592)', () => {
      test('GET with the registration access token returns the metadata without the secret', async () => {
        const client = await registered({ client_name: unique('Readable'), redirect_uris: [REDIRECT], scope: scopeName });
        const response = await configure(client.registration_client_uri, 'GET', client.registration_access_token);
        assert.equal(response.status, 200, JSON.stringify(response.body));
        assert.match(response.headers.get('cache-control') ?? '', /no-store/);
        assert.equal(response.body.client_secret, undefined);
        const { client_secret: _secret, registration_access_token: _token, ...expected } = client;
        for (const [field, value] of Object.entries(expected)) assert.deepEqual(response.body[field], value, field);
      });

      test('a wrong or another client’s registration token: 401', async () => {
        const a = await registered({ client_name: unique('A'), grant_types: ['client_credentials'] });
        const b = await registered({ client_name: unique('B'), grant_types: ['client_credentials'] });
        for (const token of ['wrong-token', b.registration_access_token, a.client_secret]) {
          const response = await configure(a.registration_client_uri, 'GET', token);
          assert.equal(response.status, 401);
          assert.equal(response.body.error, 'invalid_token');
          assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer /);
        }
        const none = await request(a.registration_client_uri);
        assert.equal(none.status, 401);
        assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+"$/, 'no credentials: a bare challenge (RFC 6750 §3.1)');
      });

      test('PUT replaces the metadata: omitted fields take their defaults, explicit null means never/unlimited', async () => {
        const client = await registered({
          client_name: unique('Replaceable'),
          grant_types: ['client_credentials'],
          scope: scopeName,
          access_token_lifetime: 60,
          refresh_token_limit: null,
          description: 'before',
        });
        assert.equal(client.access_token_lifetime, 60);
        assert.equal(client.refresh_token_limit, null);

        const reset = await configure(client.registration_client_uri, 'PUT', client.registration_access_token, {
          client_id: client.client_id,
          client_name: client.client_name,
          grant_types: ['client_credentials'],
        });
        assert.equal(reset.status, 200, JSON.stringify(reset.body));
        assert.equal(reset.body.access_token_lifetime, 3600);
        assert.equal(reset.body.refresh_token_limit, 0);
        assert.equal(reset.body.description, null);
        assert.equal(reset.body.scope, '', 'an omitted scope resets to none, as at registration');
        assert.equal(reset.body.client_id, client.client_id);
        assert.equal(reset.body.client_secret, undefined);

        const replacement = {
          client_id: client.client_id,
          client_name: client.client_name,
          grant_types: ['client_credentials'],
          scope: scopeName,
          access_token_lifetime: null,
          refresh_token_limit: null,
        };
        const selfGrant = await configure(client.registration_client_uri, 'PUT', client.registration_access_token, { ...replacement, scope: `${scopeName} admin` });
        assert.equal(selfGrant.status, 400, 'a client cannot associate new scopes with its own registration token');
        assert.equal(selfGrant.body.error, 'invalid_client_metadata');
        const never = await configure(client.registration_client_uri, 'PUT', adminToken, replacement);
        assert.equal(never.status, 200, JSON.stringify(never.body));
        assert.equal(never.body.access_token_lifetime, null);
        assert.equal(never.body.refresh_token_limit, null);
        assert.equal(never.body.scope, scopeName);

        const read = await configure(client.registration_client_uri, 'GET', client.registration_access_token);
        const { registration_access_token: presented, ...stored } = read.body;
        assert.equal(presented, client.registration_access_token);
        assert.deepEqual(stored, never.body, 'the replacement is stored');
        // The secret survives a metadata update.
        const token = await tokenRequest(client.client_id, client.client_secret);
        assert.equal(token.status, 200, JSON.stringify(token.body));
        assert.equal(token.body.expires_in, TEN_YEARS_S);
      });

      test('PUT with the body GET returned is accepted unchanged', async () => {
        const client = await registered({ client_name: unique('Round trip'), redirect_uris: [REDIRECT], refresh_token_limit: 5 });
        const read = await configure(client.registration_client_uri, 'GET', client.registration_access_token);
        const put = await configure(client.registration_client_uri, 'PUT', client.registration_access_token, read.body);
        assert.equal(put.status, 200, JSON.stringify(put.body));
        for (const field of ['redirect_uris', 'grant_types', 'response_types', 'refresh_token_limit', 'access_token_lifetime', 'require_pkce', 'active']) {
          assert.deepEqual(put.body[field], read.body[field], field);
        }
      });

      test('PUT cannot change client_name (not even its case), client_version or client_id', async () => {
        const client = await registered({ client_name: unique('Fixed name'), grant_types: ['client_credentials'] });
        const attempts: Record<string, unknown>[] = [
          { client_name: `${client.client_name} renamed` },
          { client_name: client.client_name.toUpperCase() },
          { client_name: client.client_name, client_version: '2' },
          { client_name: client.client_name, client_id: 'someone-else' },
        ];
        for (const attempt of attempts) {
          const response = await configure(client.registration_client_uri, 'PUT', client.registration_access_token, { client_id: client.client_id, grant_types: ['client_credentials'], ...attempt });
          assertRegistrationError(response, 'invalid_client_metadata', JSON.stringify(attempt));
        }
        const read = await configure(client.registration_client_uri, 'GET', client.registration_access_token);
        assert.equal(read.body.client_name, client.client_name);
        assert.equal(read.body.client_version, '1');
      });

      test('a public client made confidential by PUT receives its new secret once', async () => {
        const client = await registered({ client_name: unique('Promoted'), token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT] });
        // A new grant type is an administrator's decision (the client's own token may not add one).
        const put = await configure(client.registration_client_uri, 'PUT', adminToken, {
          client_id: client.client_id,
          client_name: client.client_name,
          token_endpoint_auth_method: 'client_secret_basic',
          redirect_uris: [REDIRECT],
          grant_types: ['authorization_code', 'client_credentials'],
        });
        assert.equal(put.status, 200, JSON.stringify(put.body));
        assert.equal(put.body.token_endpoint_auth_method, 'client_secret_basic');
        assert.equal(typeof put.body.client_secret, 'string', 'the only chance to learn the generated secret');
        assert.equal(put.body.client_secret_expires_at, 0);
        const token = await tokenRequest(client.client_id, put.body.client_secret);
        assert.equal(token.status, 200, JSON.stringify(token.body));
        const read = await configure(client.registration_client_uri, 'GET', client.registration_access_token);
        assert.equal(read.body.client_secret, undefined);
      });

      test('PUT validates like registration', async () => {
        const client = await registered({ client_name: unique('Validated'), redirect_uris: [REDIRECT] });
        const response = await configure(client.registration_client_uri, 'PUT', client.registration_access_token, {
          client_id: client.client_id,
          client_name: client.client_name,
          redirect_uris: ['http://app.example/cb'],
        });
        assertRegistrationError(response, 'invalid_redirect_uri');
      });

      test('PUT must name the client and may only repeat its current secret (RFC 7592 §2.2)', async () => {
        const client = await registered({ client_name: unique('Strict put'), grant_types: ['client_credentials'] });
        const base = { client_name: client.client_name, grant_types: ['client_credentials'] };
        assertRegistrationError(await configure(client.registration_client_uri, 'PUT', client.registration_access_token, base), 'invalid_client_metadata', 'no client_id');
        const chosen = await configure(client.registration_client_uri, 'PUT', client.registration_access_token, { ...base, client_id: client.client_id, client_secret: 'a-secret-of-my-own-choosing-0123456789' });
        assertRegistrationError(chosen, 'invalid_client_metadata', 'a chosen secret');
        const same = await configure(client.registration_client_uri, 'PUT', client.registration_access_token, { ...base, client_id: client.client_id, client_secret: client.client_secret });
        assert.equal(same.status, 200, JSON.stringify(same.body));
        assert.equal((await tokenRequest(client.client_id, client.client_secret)).status, 200, 'the secret is unchanged');
      });

      test('read and update answer with the registration access token the client presented (RFC 7592 §3)', async () => {
        const client = await registered({ client_name: unique('Echo'), grant_types: ['client_credentials'] });
        const read = await configure(client.registration_client_uri, 'GET', client.registration_access_token);
        assert.equal(read.body.registration_access_token, client.registration_access_token);
        assert.equal(read.body.registration_client_uri, client.registration_client_uri);
        const put = await configure(client.registration_client_uri, 'PUT', client.registration_access_token, read.body);
        assert.equal(put.status, 200, JSON.stringify(put.body));
        assert.equal(put.body.registration_access_token, client.registration_access_token);
        const byAdmin = await configure(client.registration_client_uri, 'GET', adminToken);
        assert.equal(byAdmin.status, 200);
        assert.equal(byAdmin.body.registration_access_token, undefined, 'only its hash is stored: an administrator gets none');
        assert.equal((await configure(client.registration_client_uri, 'GET', client.registration_access_token)).status, 200, 'the token still works');
      });

      test('with its own registration token a client cannot widen what the administrator gave it', async () => {
        const client = await registered({ client_name: unique('Narrow'), grant_types: ['client_credentials'], scope: scopeName, access_token_lifetime: 600, refresh_token_limit: 2 });
        const current = { client_id: client.client_id, client_name: client.client_name, grant_types: ['client_credentials'], scope: scopeName, access_token_lifetime: 600, refresh_token_limit: 2 };
        const attempts: [string, Record<string, unknown>][] = [
          ['access_token_lifetime', { access_token_lifetime: null }],
          ['access_token_lifetime', { access_token_lifetime: 7200 }],
          ['refresh_token_limit', { refresh_token_limit: null }],
          ['refresh_token_limit', { refresh_token_limit: 3 }],
          ['grant_types', { grant_types: ['client_credentials', 'password'] }],
          ['api_key_enabled', { api_key_enabled: true }],
          ['require_pkce', { require_pkce: false }],
          ['scope', { scope: `${scopeName} admin` }],
        ];
        for (const [field, change] of attempts) {
          const response = await configure(client.registration_client_uri, 'PUT', client.registration_access_token, { ...current, ...change });
          assertRegistrationError(response, 'invalid_client_metadata', field);
          assert.match(response.body.error_description, new RegExp(field), field);
        }
        const read = await configure(client.registration_client_uri, 'GET', client.registration_access_token);
        assert.equal(read.body.access_token_lifetime, 600, 'nothing was stored');
        assert.equal(read.body.api_key_enabled, false);
        // Narrowing, and returning a field to its registration default, stay the client's own business.
        const narrowed = await configure(client.registration_client_uri, 'PUT', client.registration_access_token, { ...current, access_token_lifetime: 300, refresh_token_limit: 1 });
        assert.equal(narrowed.status, 200, JSON.stringify(narrowed.body));
        const defaults = await configure(client.registration_client_uri, 'PUT', client.registration_access_token, { client_id: client.client_id, client_name: client.client_name, grant_types: ['client_credentials'] });
        assert.equal(defaults.status, 200, JSON.stringify(defaults.body));
        assert.equal(defaults.body.access_token_lifetime, 3600);
        // An administrator may widen.
        const widened = await configure(client.registration_client_uri, 'PUT', adminToken, { ...current, access_token_lifetime: null, refresh_token_limit: null });
        assert.equal(widened.status, 200, JSON.stringify(widened.body));
        assert.equal(widened.body.access_token_lifetime, null);
      });

      test('a deactivated client’s registration token is refused until an administrator reactivates it', async () => {
        const client = await registered({ client_name: unique('Deactivated'), grant_types: ['client_credentials'] });
        const adminUri = `${server.url}/admin/api/v1/clients/${encodeURIComponent(client.client_id)}`;
        const off = await request(adminUri, json('PATCH', { active: false }, bearer(adminToken)));
        assert.equal(off.status, 200, JSON.stringify(off.body));
        const body = { client_id: client.client_id, client_name: client.client_name, grant_types: ['client_credentials'], active: true };
        for (const [method, payload] of [['GET', undefined], ['PUT', body], ['DELETE', undefined]] as const) {
          const response = await configure(client.registration_client_uri, method, client.registration_access_token, payload);
          assert.equal(response.status, 401, `${method}: ${JSON.stringify(response.body)}`);
          assert.equal(response.body.error, 'invalid_token', method);
        }
        assert.equal((await tokenRequest(client.client_id, client.client_secret)).status, 401, 'still deactivated');
        const byAdmin = await configure(client.registration_client_uri, 'GET', adminToken);
        assert.equal(byAdmin.body.active, false);
        const on = await request(adminUri, json('PATCH', { active: true }, bearer(adminToken)));
        assert.equal(on.status, 200, JSON.stringify(on.body));
        assert.equal((await configure(client.registration_client_uri, 'GET', client.registration_access_token)).status, 200);
      });

      test('DELETE removes the client: its tokens stop working and its configuration is gone', async () => {
        const client = await registered({ client_name: unique('Deletable'), grant_types: ['client_credentials'], scope: scopeName });
        const token = await clientCredentialsToken(server.url, client.client_id, client.client_secret);
        assert.equal((await introspect(token)).body.active, true);

        const deleted = await configure(client.registration_client_uri, 'DELETE', client.registration_access_token);
        assert.equal(deleted.status, 204);

        assert.deepEqual((await introspect(token)).body, { active: false });
        const refused = await tokenRequest(client.client_id, client.client_secret);
        assert.equal(refused.status, 401);
        assert.equal(refused.body.error, 'invalid_client');
        const read = await configure(client.registration_client_uri, 'GET', client.registration_access_token);
        assert.equal(read.status, 401);
        const again = await configure(client.registration_client_uri, 'DELETE', client.registration_access_token);
        assert.equal(again.status, 401);
        const admin = await request(`${server.url}/admin/api/v1/clients/${encodeURIComponent(client.client_id)}`, { headers: bearer(adminToken) });
        assert.equal(admin.status, 404);
      });

      test('Content-Type: application/json on a DELETE without a body is no malformed metadata', async () => {
        const client = await registered({ client_name: unique('JsonDelete'), grant_types: ['client_credentials'], scope: scopeName });
        const deleted = await request(client.registration_client_uri, { method: 'DELETE', headers: { 'content-type': 'application/json', ...bearer(client.registration_access_token) } });
        assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
      });

      test('the console’s own client is refused here as on the admin API: no delete, no replacement that breaks its sign-in', async () => {
        const uri = `${server.url}/oauth/register/gatehouse-console`;
        const before = await configure(uri, 'GET', adminToken);
        assert.equal(before.status, 200, JSON.stringify(before.body));
        const deleted = await configure(uri, 'DELETE', adminToken);
        assert.equal(deleted.status, 400);
        assert.equal(deleted.body.error, 'invalid_client_metadata');
        assert.match(deleted.body.error_description, /managed by the server: it cannot be deleted/);
        const replaced = await configure(uri, 'PUT', adminToken, { client_id: 'gatehouse-console', client_name: 'Gatehouse console', client_version: '1', redirect_uris: ['https://evil.example/cb'], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none' });
        assert.equal(replaced.status, 400);
        assert.match(replaced.body.error_description, /its redirect_uris, scope cannot change/);
        assert.deepEqual((await configure(uri, 'GET', adminToken)).body, before.body, 'nothing changed');
      });
    });
  });
}
