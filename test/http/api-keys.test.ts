/** API keys (seed 004): generation, the GAM and RFC 8693 exchanges, every invalidation cause. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { openDb } from '../../src/store/db.js';
import { isWellFormedApiKey } from '../../src/crypto/api-key-format.js';
import { buildGateway } from '../../src/gateway/server.js';

// Client scopes are listed in name order; api.data is a service behind the gateway.
const GAM_SCOPES = 'api.data user_email user_external_id user_first_name';

for (const database of testDatabases()) {
  describe(`API keys on ${database.name}`, () => {
    let server: TestServer;
    let databaseUrl: string;
    let admin: string;
    let app: { id: string; secret: string };
    let userId: string;
    let gateway: FastifyInstance;
    let upstream: http.Server;
    let gw: string;
    const api = (path: string, init?: RequestInit) => request(`${server.url}/admin/api/v1${path}`, init);

    async function generate(body: Record<string, unknown> = { client_id: app.id }, user = userId) {
      const response = await api(`/users/${user}/api-keys`, json('POST', body, bearer(admin)));
      return response;
    }
    const gamExchange = (apiKey: string, path = '/oauth/gam/v2.0/access_token') =>
      request(`${server.url}${path}`, form({ client_id: app.id, client_secret: app.secret, grant_type: 'password', api_key: apiKey, authentication_type_name: 'apikey' }));
    const keyStatus = async (id: string, user = userId) => (await api(`/users/${user}/api-keys`, { headers: bearer(admin) })).body.items.find((k: { id: string }) => k.id === id);

    const introspect = async (token: string) => (await request(`${server.url}/oauth/introspect`, form({ token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }))).body.active === true;
    const throughGateway = async (token: string) => (await request(`${gw}/gamdata/x`, { headers: bearer(token) })).status;
    const refresh = (token: string) => request(`${server.url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: token }, { authorization: basic(app.id, app.secret) }));

    before(async () => {
      databaseUrl = await database.create();
      server = await startServer(databaseUrl);
      upstream = http.createServer((req, res) => res.end('upstream'));
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      gateway = await buildGateway(server.gh, { services: server.gh.services, matchers: server.gh.matchers, feedHealthy: () => server.gh.feed.healthy(5000) });
      await gateway.listen({ host: '127.0.0.1', port: 0 });
      gw = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      assert.equal((await api('/scopes', json('POST', { name: 'api.data', services: ['/gamdata/**'] }, bearer(admin)))).status, 201);
      assert.equal((await api('/services', json('POST', { name: 'gamdata', path_prefix: '/gamdata', upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` }, bearer(admin)))).status, 201);
      const user = await api('/users', json('POST', { username: 'userapikey', password: 'user-password-1', email: 'userapikey@mail.com', email_verified: true, given_name: 'user', external_id: '12a938b7123zg98' }, bearer(admin)));
      userId = user.body.id;
      const client = await api('/clients', json('POST', { client_name: 'GAM app', grant_types: ['client_credentials', 'refresh_token'], response_types: [], scope: GAM_SCOPES, api_key_enabled: true, api_key_scope_customization: true, refresh_token_limit: null }, bearer(admin)));
      assert.equal(client.status, 201, JSON.stringify(client.body));
      app = { id: client.body.client_id, secret: client.body.client_secret };
    });
    after(async () => {
      await gateway?.close();
      await server?.close();
      upstream?.closeAllConnections();
      await new Promise((resolve) => upstream?.close(resolve));
    });

    test('a key is shown once, recognisable and checksummed; listed with status, never with its value', async () => {
      const created = await generate();
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.match(created.body.api_key, /^ghak_[A-Za-z0-9_-]{49}$/);
      assert.ok(isWellFormedApiKey(created.body.api_key));
      assert.equal(isWellFormedApiKey(created.body.api_key.slice(0, -1) + (created.body.api_key.endsWith('A') ? 'B' : 'A')), false, 'a typo fails the checksum');
      assert.equal(created.body.expires_at, null, 'api_key_timeout_hours 0 = never expires');
      const listed = await api(`/users/${userId}/api-keys`, { headers: bearer(admin) });
      assert.equal(listed.status, 200);
      assert.ok(!JSON.stringify(listed.body).includes(created.body.api_key));
      const key = listed.body.items.find((k: { id: string }) => k.id === created.body.id);
      assert.equal(key.status, 'valid');
      assert.equal(key.scope, GAM_SCOPES);
    });

    test('GAM exchange: standard on /oauth/token and /oauth/access_token, seed 004 shapes on /oauth/gam/v2.0 with compat.gam', async () => {
      const { api_key: apiKey } = (await generate()).body;
      for (const path of ['/oauth/token', '/oauth/access_token', '/oauth/gam/v2.0/access_token']) {
        const response = await gamExchange(apiKey, path);
        assert.equal(response.status, 200, `${path}: ${JSON.stringify(response.body)}`);
        assert.equal(response.body.token_type, 'Bearer');
        assert.equal(response.body.scope, GAM_SCOPES);
        assert.equal(response.body.user_guid, userId);
        assert.ok(response.body.expires_in > 0);
        assert.equal(decodeJwt(response.body.access_token).sub, userId);
      }
      await api('/settings', json('PATCH', { compat: { gam: true } }, bearer(admin)));
      // The seed's application issues no refresh tokens: GAM shows that as "".
      await api(`/clients/${app.id}`, json('PATCH', { refresh_token_limit: 0 }, bearer(admin)));
      try {
        const gam = await gamExchange(apiKey);
        assert.deepEqual(Object.keys(gam.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type', 'user_guid']);
        assert.equal(gam.body.expires_in, 0);
        assert.equal(gam.body.refresh_token, '');
        assert.equal(gam.body.scope, 'api.data+user_email+user_external_id+user_first_name');
        const info = await request(`${server.url}/oauth/gam/v2.0/userinfo`, { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: gam.body.access_token } });
        assert.equal(info.status, 200, JSON.stringify(info.body));
        assert.equal(info.body.email, 'userapikey@mail.com');
        assert.equal(info.body.verified_email, true);
        assert.equal(info.body.first_name, 'user');
        assert.equal(info.body.external_id, '12a938b7123zg98');
        const standard = await gamExchange(apiKey, '/oauth/token');
        assert.equal(standard.body.scope, GAM_SCOPES, 'the quirks stay on /oauth/gam/v2.0');
      } finally {
        await api('/settings', json('PATCH', { compat: { gam: false } }, bearer(admin)));
        await api(`/clients/${app.id}`, json('PATCH', { refresh_token_limit: null }, bearer(admin)));
      }
      const bare = await request(`${server.url}/oauth/gam/v2.0/userinfo`, { headers: { authorization: (await gamExchange(apiKey)).body.access_token } });
      assert.equal(bare.status, 401, 'a bare token only with compat.gam: else it is no token at all (RFC 6750 §3.1)');
    });

    test('compat.gam: scope=FullControl asks for everything, whatever the grant; GAM’s paths echo it and name the user', async () => {
      const { api_key: apiKey } = (await generate()).body;
      const password = await api('/clients', json('POST', { client_name: 'GAM password app', grant_types: ['password', 'client_credentials'], response_types: [], scope: GAM_SCOPES }, bearer(admin)));
      assert.equal(password.status, 201, JSON.stringify(password.body));
      const signIn = (path: string, scope?: string) =>
        request(`${server.url}${path}`, form({ grant_type: 'password', username: 'userapikey', password: 'user-password-1', ...(scope ? { scope } : {}) }, { authorization: basic(password.body.client_id, password.body.client_secret) }));
      const machine = (scope: string) => request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials', scope }, { authorization: basic(app.id, app.secret) }));
      assert.equal((await machine('FullControl')).body.error, 'invalid_scope', 'only with compat.gam');
      const signedIn = await signIn('/oauth/access_token');
      assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
      assert.equal(signedIn.body.user_guid, userId, 'the password grant names the user, as the key exchange does');
      await api('/settings', json('PATCH', { compat: { gam: true } }, bearer(admin)));
      try {
        const listed = await api('/scopes/FullControl', { headers: bearer(admin) });
        assert.equal(listed.status, 200, 'a built-in scope while compat.gam is on');
        assert.equal(listed.body.built_in, true);
        const associated = await api(`/clients/${app.id}`, json('PATCH', { scope: 'FullControl' }, bearer(admin)));
        assert.equal(associated.status, 400, 'a request-time alias is not associated with clients');

        const all = await machine('FullControl');
        assert.equal(all.status, 200, JSON.stringify(all.body));
        assert.equal(all.body.scope, GAM_SCOPES, 'the standard path answers with what was granted');
        assert.equal(decodeJwt(all.body.access_token).scope, GAM_SCOPES);
        const viaKey = await request(`${server.url}/oauth/access_token`, form({ client_id: app.id, client_secret: app.secret, grant_type: 'password', api_key: apiKey, authentication_type_name: 'apikey', scope: 'FullControl' }));
        assert.equal(viaKey.status, 200, JSON.stringify(viaKey.body));
        assert.equal(viaKey.body.scope, 'FullControl', 'seed 001 echoes the request');
        assert.equal(decodeJwt(viaKey.body.access_token).scope, GAM_SCOPES);
        const gamPassword = await signIn('/oauth/gam/v2.0/access_token', 'FullControl');
        assert.equal(gamPassword.status, 200, JSON.stringify(gamPassword.body));
        assert.equal(gamPassword.body.scope, 'FullControl');
        assert.equal(gamPassword.body.user_guid, userId);

        // Seed 001's authentication types: local is the password grant; a type Gatehouse lacks never falls back to it.
        const signInAs = (fields: Record<string, string>) =>
          request(`${server.url}/oauth/access_token`, form({ username: 'userapikey', password: 'user-password-1', ...fields }, { authorization: basic(password.body.client_id, password.body.client_secret) }));
        assert.equal((await signInAs({ grant_type: 'password', authentication_type_name: 'Local' })).status, 200);
        assert.equal((await signInAs({ grant_type: 'password', additional_parameters: '{"AuthenticationTypeName":"local"}' })).status, 200);
        const unknownTypes: Record<string, string>[] = [{ authentication_type_name: 'google' }, { additional_parameters: '{"AuthenticationTypeName":"google"}' }, { additional_parameters: '{"AuthenticationTypeName":7}' }, { additional_parameters: 'null' }];
        for (const fields of unknownTypes) {
          const refused = await signInAs({ grant_type: 'password', ...fields });
          assert.equal(refused.status, 400, JSON.stringify(fields));
          assert.equal(refused.body.error, 'invalid_request', JSON.stringify(fields));
        }
        assert.match((await signInAs({ grant_type: 'password', authentication_type_name: 'google' })).body.error_description, /"google" is not an authentication type of this tenant \(local, apikey\)/);
        const device = await signInAs({ grant_type: 'device' });
        assert.equal(device.body.error, 'unsupported_grant_type');
        assert.match(device.body.error_description, /GAM authentication type Gatehouse does not offer/);
      } finally {
        await api('/settings', json('PATCH', { compat: { gam: false } }, bearer(admin)));
      }
      assert.equal((await api('/scopes/FullControl', { headers: bearer(admin) })).status, 404);
    });

    test('RFC 8693 token exchange with the API-key token type', async () => {
      const { api_key: apiKey } = (await generate()).body;
      const response = await request(
        `${server.url}/oauth/token`,
        form({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: apiKey, subject_token_type: 'urn:gatehouse:params:oauth:token-type:api-key', scope: 'user_email' }, { authorization: basic(app.id, app.secret) }),
      );
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
      assert.equal(response.body.scope, 'user_email', 'narrower than the key is allowed');
      const wider = await request(
        `${server.url}/oauth/token`,
        form({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: apiKey, subject_token_type: 'urn:gatehouse:params:oauth:token-type:api-key', scope: 'user_email admin' }, { authorization: basic(app.id, app.secret) }),
      );
      assert.equal(wider.body.error, 'invalid_scope', 'never more than the key');
    });

    test('authentication type names (seed 004): the tenant names its API-key types, an application may allow only one; names compare without case', async () => {
      const { api_key: apiKey } = (await generate()).body;
      const exchangeAs = (authType: string) =>
        request(`${server.url}/oauth/token`, form({ client_id: app.id, client_secret: app.secret, grant_type: 'password', api_key: apiKey, authentication_type_name: authType }));
      const tokenExchange = () =>
        request(
          `${server.url}/oauth/token`,
          form({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: apiKey, subject_token_type: 'urn:gatehouse:params:oauth:token-type:api-key' }, { authorization: basic(app.id, app.secret) }),
        );
      const settings = (body: Record<string, unknown>) => api('/settings', json('PATCH', body, bearer(admin)));
      const allow = (authType: string | null) => api(`/clients/${app.id}`, json('PATCH', { api_key_allowed_auth_type: authType }, bearer(admin)));

      assert.deepEqual((await api('/settings', { headers: bearer(admin) })).body.api_key_auth_types, ['apikey'], 'GAM’s own name by default');
      assert.equal((await exchangeAs('APIKey')).status, 200, 'the default type, in another case');
      const unknown = await exchangeAs('partners');
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error, 'invalid_request');
      assert.match(unknown.body.error_description, /"partners" is not an API-key authentication type of this tenant \(apikey\)/);
      const notListed = await allow('partners');
      assert.equal(notListed.status, 400, 'an application can only be limited to a type the tenant has');
      assert.equal(notListed.body.errors[0].field, 'api_key_allowed_auth_type');

      for (const [body, field] of [
        [{ api_key_auth_types: ['apikey', 'APIKEY'] }, 'listed twice'],
        [{ api_key_auth_types: ['Local'] }, 'password authentication type'],
        [{ api_key_auth_types: [] }, ''],
        [{ api_key_auth_types: ['has space'] }, ''],
      ] as const) {
        const refused = await settings(body);
        assert.equal(refused.status, 400, JSON.stringify(body));
        assert.match(JSON.stringify(refused.body), new RegExp(field));
      }
      assert.equal((await settings({ api_key_auth_types: ['apikey', 'Partners'] })).status, 200);
      try {
        const limited = await allow('PARTNERS');
        assert.equal(limited.status, 200, JSON.stringify(limited.body));
        assert.equal(limited.body.api_key_allowed_auth_type, 'Partners', 'stored in the tenant’s spelling');
        const viaPartners = await exchangeAs('partners');
        assert.equal(viaPartners.status, 200, JSON.stringify(viaPartners.body));
        assert.equal(viaPartners.body.scope, GAM_SCOPES);
        const viaApikey = await exchangeAs('apikey');
        assert.equal(viaApikey.body.error, 'invalid_grant');
        assert.match(viaApikey.body.error_description, /only for authentication type "Partners"/);
        assert.equal((await tokenExchange()).status, 200, 'the token exchange signs in with the type the application allows');
      } finally {
        assert.equal((await allow(null)).status, 200);
        assert.equal((await settings({ api_key_auth_types: ['apikey'] })).status, 200);
      }
    });

    test('scope customization: narrowing allowed only when the application allows it', async () => {
      const narrow = await generate({ client_id: app.id, scope: 'user_email' });
      assert.equal(narrow.status, 201);
      assert.equal(narrow.body.scope, 'user_email');
      assert.equal((await gamExchange(narrow.body.api_key)).body.scope, 'user_email');
      await api(`/clients/${app.id}`, json('PATCH', { api_key_scope_customization: false }, bearer(admin)));
      try {
        const refused = await generate({ client_id: app.id, scope: 'user_email' });
        assert.equal(refused.status, 400);
        assert.equal(refused.body.errors[0].field, 'scope');
        assert.equal((await generate({ client_id: app.id })).status, 201);
      } finally {
        await api(`/clients/${app.id}`, json('PATCH', { api_key_scope_customization: true }, bearer(admin)));
      }
    });

    test('an application whose every scope needs a role the user lacks: no key, as no token is issued for nothing', async () => {
      assert.equal((await api('/scopes', json('POST', { name: 'api.reports', services: ['/reports/**'], roles: ['sales'] }, bearer(admin)))).status, 201);
      const reports = await api('/clients', json('POST', { client_name: 'Reports app', grant_types: ['client_credentials'], response_types: [], scope: 'api.reports', api_key_enabled: true }, bearer(admin)));
      assert.equal(reports.status, 201, JSON.stringify(reports.body));
      const refused = await generate({ client_id: reports.body.client_id });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.errors[0].field, 'scope');
    });

    test('deleting a key refuses it and revokes the access and refresh tokens exchanged for it', async () => {
      const created = (await generate()).body;
      const exchanged = (await gamExchange(created.api_key, '/oauth/token')).body;
      assert.equal(typeof (await keyStatus(created.id)).last_used_at, 'number', 'its use is listed');
      assert.equal(await introspect(exchanged.access_token), true);
      assert.equal(await throughGateway(exchanged.access_token), 200);
      assert.equal((await api(`/users/${userId}/api-keys/${created.id}`, { method: 'DELETE', headers: bearer(admin) })).status, 204);
      assert.equal(await introspect(exchanged.access_token), false);
      assert.equal(await throughGateway(exchanged.access_token), 401);
      assert.equal((await refresh(exchanged.refresh_token)).body.error, 'invalid_grant');
      assert.equal((await gamExchange(created.api_key)).body.error, 'invalid_grant');
    });

    test('every invalidation cause: the key is refused with its reason shown, and its access and refresh tokens die with it', async () => {
      const patchClient = (body: Record<string, unknown>) => () => api(`/clients/${app.id}`, json('PATCH', body, bearer(admin)));
      const patchUser = (body: Record<string, unknown>) => () => api(`/users/${userId}`, json('PATCH', body, bearer(admin)));
      // [cause, break it, mend it, reason shown, error of a new exchange (client authentication comes first), whether mending revives the key]
      const cases: [string, () => Promise<unknown>, () => Promise<unknown>, RegExp, string, boolean][] = [
        ['client deactivated', patchClient({ active: false }), patchClient({ active: true }), /deactivated/, 'invalid_client', true],
        ['API keys turned off', patchClient({ api_key_enabled: false }), patchClient({ api_key_enabled: true }), /turned off/, 'unauthorized_client', true],
        // Seed 004: "the API Key is invalidated, and a new one must be generated".
        ['scope unpublished', patchClient({ scope: 'api.data user_email user_first_name' }), patchClient({ scope: GAM_SCOPES }), /no longer publishes user_external_id/, 'invalid_grant', false],
        ['user disabled', patchUser({ disabled: true }), patchUser({ disabled: false }), /user disabled/, 'invalid_grant', true],
      ];
      for (const [cause, breakIt, mend, reason, error, revives] of cases) {
        const created = (await generate()).body;
        const exchanged = await gamExchange(created.api_key, '/oauth/token');
        assert.equal(exchanged.status, 200, cause);
        const { access_token: access, refresh_token: refreshToken } = exchanged.body;
        assert.ok(refreshToken, cause);
        assert.equal(await introspect(access), true, cause);
        assert.equal(await throughGateway(access), 200, cause);
        await breakIt();
        try {
          assert.equal((await gamExchange(created.api_key)).body.error, error, cause);
          const status = await keyStatus(created.id);
          assert.equal(status.status, 'invalid', cause);
          assert.match(status.invalid_reason, reason, cause);
          assert.equal(await introspect(access), false, `${cause}: access token inactive`);
          assert.equal(await throughGateway(access), 401, `${cause}: access token refused by the gateway`);
        } finally {
          await mend();
        }
        // Revoked, not suspended: mending the cause never brings the tokens back.
        assert.equal(await introspect(access), false, `${cause}: still inactive after the cause is mended`);
        assert.equal(await throughGateway(access), 401, cause);
        assert.equal((await refresh(refreshToken)).body.error, 'invalid_grant', `${cause}: refresh token refused`);
        if (revives) assert.equal((await gamExchange(created.api_key)).status, 200, `${cause}: the mended key works again`);
        else {
          assert.equal((await gamExchange(created.api_key)).body.error, 'invalid_grant', `${cause}: the key stays invalid`);
          assert.match((await keyStatus(created.id)).invalid_reason, reason, `${cause}: the reason stays shown`);
          assert.equal((await gamExchange((await generate()).body.api_key)).status, 200, `${cause}: a newly generated key works`);
        }
      }
    });

    test('expiry: tokens never outlive their key, and its refresh tokens stop with it', async () => {
      await api(`/clients/${app.id}`, json('PATCH', { api_key_timeout_hours: 1, access_token_lifetime: 86400 }, bearer(admin)));
      try {
        const created = (await generate()).body;
        assert.ok(created.expires_at > Date.now() / 1000 + 3500);
        const exchanged = (await gamExchange(created.api_key, '/oauth/token')).body;
        assert.ok(decodeJwt(exchanged.access_token).exp! <= created.expires_at, 'the access token ends with the key, not a day later');
        const refreshed = (await refresh(exchanged.refresh_token)).body;
        assert.ok(refreshed.access_token, JSON.stringify(refreshed));
        assert.ok(decodeJwt(refreshed.access_token).exp! <= created.expires_at, 'so does a refreshed one');
        // Back-date the key in the store (a real timeout is at least an hour).
        const db = openDb(databaseUrl);
        try {
          await db.kysely.updateTable('api_keys').set({ expires_at: 1 }).where('id', '=', created.id).execute();
        } finally {
          await db.close();
        }
        assert.equal((await gamExchange(created.api_key)).body.error, 'invalid_grant');
        assert.equal((await keyStatus(created.id)).invalid_reason, 'expired');
        assert.equal((await refresh(refreshed.refresh_token)).body.error, 'invalid_grant', 'no refresh after the key expired');
      } finally {
        await api(`/clients/${app.id}`, json('PATCH', { api_key_timeout_hours: 0, access_token_lifetime: 3600 }, bearer(admin)));
      }
    });

    test('the list pages with limit and cursor, newest first, and refuses a bad limit or cursor', async () => {
      const user = await api('/users', json('POST', { username: 'pager', password: 'pager-password-1' }, bearer(admin)));
      assert.equal(user.status, 201, JSON.stringify(user.body));
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await generate({ client_id: app.id }, user.body.id)).body.id);
      // Two keys of one older second, one between: newest first, and a tie split across pages loses nothing.
      const db = openDb(databaseUrl);
      try {
        await db.kysely.updateTable('api_keys').set({ created_at: 1000 }).where('id', 'in', [ids[0]!, ids[1]!]).execute();
        await db.kysely.updateTable('api_keys').set({ created_at: 2000 }).where('id', '=', ids[2]!).execute();
      } finally {
        await db.close();
      }
      const paged: { id: string; created_at: number }[] = [];
      let cursor: string | null = null;
      do {
        const listed = await api(`/users/${user.body.id}/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { headers: bearer(admin) });
        assert.equal(listed.status, 200, JSON.stringify(listed.body));
        assert.ok(listed.body.items.length <= 2);
        paged.push(...listed.body.items);
        cursor = listed.body.next_cursor;
      } while (cursor);
      assert.deepEqual(paged.map((k) => k.id).sort(), [...ids].sort(), 'every key once');
      const times = paged.map((k) => k.created_at);
      assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
      assert.deepEqual(times.slice(-3), [2000, 1000, 1000]);
      const all = await api(`/users/${user.body.id}/api-keys`, { headers: bearer(admin) });
      assert.deepEqual(all.body.items.map((k: { id: string }) => k.id), paged.map((k) => k.id));
      assert.equal(all.body.next_cursor, null);
      for (const [query, field] of [['limit=abc', 'limit'], ['limit=0', 'limit'], ['limit=501', 'limit'], ['cursor=zz', 'cursor']]) {
        const refused = await api(`/users/${user.body.id}/api-keys?${query}`, { headers: bearer(admin) });
        assert.equal(refused.status, 400, query);
        assert.ok(refused.body.errors.some((e: { field: string }) => e.field === field), `${query}: ${JSON.stringify(refused.body)}`);
      }
    });

    test('self-service: a signed-in user generates, lists and deletes their own keys', async () => {
      const login = await api(`/clients/${app.id}`, json('PATCH', { grant_types: ['client_credentials', 'password'] }, bearer(admin)));
      assert.equal(login.status, 200);
      const userToken = (await request(`${server.url}/oauth/token`, form({ grant_type: 'password', username: 'userapikey', password: 'user-password-1' }, { authorization: basic(app.id, app.secret) }))).body.access_token;
      const created = await request(`${server.url}/oauth/api-keys`, json('POST', { client_id: app.id }, bearer(userToken)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.ok(isWellFormedApiKey(created.body.api_key));
      const mine = await request(`${server.url}/oauth/api-keys`, { headers: bearer(userToken) });
      assert.ok(mine.body.items.some((k: { id: string }) => k.id === created.body.id));
      const clientToken = await clientCredentialsToken(server.url, app.id, app.secret);
      assert.equal((await request(`${server.url}/oauth/api-keys`, { headers: bearer(clientToken) })).status, 401, 'a client token is not a user');
      assert.equal((await request(`${server.url}/oauth/api-keys/${created.body.id}`, { method: 'DELETE', headers: bearer(userToken) })).status, 204);
    });
  });
}
