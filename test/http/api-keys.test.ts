/** API keys (seed 004): generation, the GAM and RFC 8693 exchanges, every invalidation cause. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { openDb } from '../../src/store/db.js';
import { isWellFormedApiKey } from '../../src/crypto/api-key-format.js';

// Client scopes are listed in name order.
const GAM_SCOPES = 'user_email user_external_id user_first_name';

for (const database of testDatabases()) {
  describe(`API keys on ${database.name}`, () => {
    let server: TestServer;
    let databaseUrl: string;
    let admin: string;
    let app: { id: string; secret: string };
    let userId: string;
    const api = (path: string, init?: RequestInit) => request(`${server.url}/admin/api/v1${path}`, init);

    async function generate(body: Record<string, unknown> = { client_id: app.id }, user = userId) {
      const response = await api(`/users/${user}/api-keys`, json('POST', body, bearer(admin)));
      return response;
    }
    const gamExchange = (apiKey: string, path = '/oauth/gam/v2.0/access_token') =>
      request(`${server.url}${path}`, form({ client_id: app.id, client_secret: app.secret, grant_type: 'password', api_key: apiKey, authentication_type_name: 'apikey' }));
    const keyStatus = async (id: string, user = userId) => (await api(`/users/${user}/api-keys`, { headers: bearer(admin) })).body.items.find((k: { id: string }) => k.id === id);

    before(async () => {
      databaseUrl = await database.create();
      server = await startServer(databaseUrl);
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const user = await api('/users', json('POST', { username: 'userapikey', password: 'user-password-1', email: 'userapikey@mail.com', email_verified: true, given_name: 'user', external_id: '12a938b7123zg98' }, bearer(admin)));
      userId = user.body.id;
      const client = await api('/clients', json('POST', { client_name: 'GAM app', grant_types: ['client_credentials'], response_types: [], scope: GAM_SCOPES, api_key_enabled: true, api_key_scope_customization: true, refresh_token_limit: 0 }, bearer(admin)));
      assert.equal(client.status, 201, JSON.stringify(client.body));
      app = { id: client.body.client_id, secret: client.body.client_secret };
    });
    after(() => server.close());

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
      try {
        const gam = await gamExchange(apiKey);
        assert.deepEqual(Object.keys(gam.body).sort(), ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type', 'user_guid']);
        assert.equal(gam.body.expires_in, 0);
        assert.equal(gam.body.refresh_token, '');
        assert.equal(gam.body.scope, 'user_email+user_external_id+user_first_name');
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
      }
      const bare = await request(`${server.url}/oauth/gam/v2.0/userinfo`, { headers: { authorization: (await gamExchange(apiKey)).body.access_token } });
      assert.equal(bare.status, 400, 'a bare token only with compat.gam');
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

    test('deleting a key refuses it and revokes the tokens exchanged for it', async () => {
      const created = (await generate()).body;
      const token = (await gamExchange(created.api_key)).body.access_token;
      const introspect = () => request(`${server.url}/oauth/introspect`, form({ token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
      assert.equal((await introspect()).body.active, true);
      assert.equal((await api(`/users/${userId}/api-keys/${created.id}`, { method: 'DELETE', headers: bearer(admin) })).status, 204);
      assert.deepEqual((await introspect()).body, { active: false });
      assert.equal((await gamExchange(created.api_key)).body.error, 'invalid_grant');
    });

    test('invalidation causes, each visible to admins', async () => {
      const cases: [string, () => Promise<unknown>, () => Promise<unknown>, RegExp][] = [
        ['client deactivated', () => api(`/clients/${app.id}`, json('PATCH', { active: false }, bearer(admin))), () => api(`/clients/${app.id}`, json('PATCH', { active: true }, bearer(admin))), /deactivated/],
        ['API keys turned off', () => api(`/clients/${app.id}`, json('PATCH', { api_key_enabled: false }, bearer(admin))), () => api(`/clients/${app.id}`, json('PATCH', { api_key_enabled: true }, bearer(admin))), /turned off/],
        ['scope unpublished', () => api(`/clients/${app.id}`, json('PATCH', { scope: 'user_email user_first_name' }, bearer(admin))), () => api(`/clients/${app.id}`, json('PATCH', { scope: GAM_SCOPES }, bearer(admin))), /no longer publishes user_external_id/],
        ['user disabled', () => api(`/users/${userId}`, json('PATCH', { disabled: true }, bearer(admin))), () => api(`/users/${userId}`, json('PATCH', { disabled: false }, bearer(admin))), /user disabled/],
      ];
      for (const [name, breakIt, mend, reason] of cases) {
        const created = (await generate()).body;
        assert.equal((await gamExchange(created.api_key)).status, 200, name);
        await breakIt();
        try {
          // A deactivated client fails client authentication first; every other cause is invalid_grant.
          const refused = await gamExchange(created.api_key);
          assert.equal(refused.body.error, name === 'client deactivated' ? 'invalid_client' : name === 'API keys turned off' ? 'unauthorized_client' : 'invalid_grant', name);
          const status = await keyStatus(created.id);
          assert.equal(status.status, 'invalid', name);
          assert.match(status.invalid_reason, reason, name);
        } finally {
          await mend();
        }
      }
      // Expiry: back-date the key in the store (a real timeout is at least an hour).
      const created = (await generate()).body;
      const db = openDb(databaseUrl);
      try {
        await db.kysely.updateTable('api_keys').set({ expires_at: 1 }).where('id', '=', created.id).execute();
      } finally {
        await db.close();
      }
      assert.equal((await gamExchange(created.api_key)).body.error, 'invalid_grant');
      assert.equal((await keyStatus(created.id)).invalid_reason, 'expired');
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
