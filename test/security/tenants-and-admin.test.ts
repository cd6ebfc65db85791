/**
 * Who may see and touch which tokens (INTERFACE.md "Introspection", RFC 7662 §4, RFC 7009 §2.1,
 * RFC 6819 §5.1.5.8 binding to the client) and who may administer what (admin API: no token,
 * wrong scope, another tenant's admin). Tokens of one tenant are nothing in another.
 * On SQLite and PostgreSQL: tenants, revocations and tokens are store state.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { securityWorld, type Credentials, type SecurityWorld } from './fixture.js';

interface Tenant {
  base: string;
  admin: string;
  app: Credentials;
}

for (const database of testDatabases()) {
  describe(`security: tenants, introspection, revocation and the admin API on ${database.name}`, () => {
    let world: SecurityWorld;
    let acme: Tenant;
    let other: Tenant;
    /** A second confidential client of the default tenant: a bystander to web's tokens. */
    let bystander: Credentials;
    let publicClient: Credentials;

    async function createTenant(id: string): Promise<Tenant> {
      const created = await world.adminApi('/tenants', json('POST', { id, name: id }, bearer(world.admin)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const base = `${world.url}/t/${id}`;
      const admin = await clientCredentialsToken(base, created.body.admin_client_id, created.body.admin_client_secret);
      assert.equal((await request(`${base}/admin/api/v1/scopes`, json('POST', { name: 'photos', services: [`/${id}/**`] }, bearer(admin)))).status, 201);
      const registered = await request(`${base}/oauth/register`, json('POST', { client_name: 'Acme app', grant_types: ['client_credentials'], response_types: [], scope: 'photos' }, bearer(admin)));
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      return { base, admin, app: { id: registered.body.client_id, secret: registered.body.client_secret } };
    }

    before(async () => {
      world = await securityWorld(await database.create());
      acme = await createTenant('acme');
      other = await createTenant('other');
      bystander = await world.register({ client_name: 'Bystander', grant_types: ['client_credentials'], response_types: [], scope: 'photos' });
      publicClient = world.spa;
    });
    after(() => world.close());

    const tokenOf = (base: string, client: Credentials, scope = 'photos') => clientCredentialsToken(base, client.id, client.secret, scope);
    const introspectAs = (base: string, caller: Credentials, token: string) =>
      request(`${base}/oauth/introspect`, form(caller.secret ? { token } : { token, client_id: caller.id }, caller.secret ? { authorization: basic(caller.id, caller.secret) } : {}));
    const revokeAs = (base: string, caller: Credentials, token: string) => request(`${base}/oauth/revoke`, form({ token }, { authorization: basic(caller.id, caller.secret) }));

    test('RFC 7662 §4 introspection within its tenant: a confidential client sees its tenant’s tokens, and another tenant’s are exactly {"active":false}', async () => {
      const acmeToken = await tokenOf(acme.base, acme.app);
      const rootToken = await tokenOf(world.url, bystander);
      assert.equal((await introspectAs(acme.base, acme.app, acmeToken)).body.active, true, 'control: own tenant');
      assert.equal((await introspectAs(world.url, world.web, rootToken)).body.active, true, 'control: any confidential client of the tenant');
      assert.deepEqual((await introspectAs(acme.base, acme.app, rootToken)).body, { active: false });
      assert.deepEqual((await introspectAs(world.url, world.web, acmeToken)).body, { active: false });
      assert.deepEqual((await introspectAs(other.base, other.app, acmeToken)).body, { active: false });
    });

    test('RFC 7662 §2.1 introspection callers: unauthenticated callers, public clients and clients of another tenant are invalid_client', async () => {
      const token = await tokenOf(world.url, bystander);
      const anonymous = await request(`${world.url}/oauth/introspect`, form({ token }));
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.error, 'invalid_client');
      const fromPublic = await introspectAs(world.url, publicClient, token);
      assert.equal(fromPublic.status, 401);
      assert.equal(fromPublic.body.error, 'invalid_client');
      const foreignCaller = await introspectAs(world.url, acme.app, token);
      assert.equal(foreignCaller.status, 401, 'acme’s client does not exist in the default tenant');
      assert.equal(foreignCaller.body.active, undefined);
    });

    test('RFC 7009 §2.1 revocation by its own client only: another client’s or another tenant’s revocation answers 200 and changes nothing', async () => {
      const token = await tokenOf(world.url, bystander);
      assert.equal((await revokeAs(world.url, world.web, token)).status, 200);
      assert.equal((await world.introspect(token)).active, true, 'a client of the same tenant cannot revoke it');
      assert.equal((await revokeAs(acme.base, acme.app, token)).status, 200);
      assert.equal((await world.introspect(token)).active, true, 'nor a client of another tenant');
      assert.equal((await revokeAs(world.url, bystander, token)).status, 200);
      assert.deepEqual(await world.introspect(token), { active: false }, 'its own client can');
    });

    test('RFC 6819 §5.1.5.8 tokens bound to a tenant: a token of one tenant is refused at another’s userinfo, admin API and registration', async () => {
      const acmeAdmin = acme.admin;
      assert.equal((await request(`${acme.base}/admin/api/v1/clients`, { headers: bearer(acmeAdmin) })).status, 200, 'control');
      for (const url of [`${other.base}/admin/api/v1/clients`, `${world.url}/admin/api/v1/clients`]) {
        const response = await request(url, { headers: bearer(acmeAdmin) });
        assert.ok(response.status === 401 || response.status === 403, `${url}: ${response.status}`);
      }
      const register = await request(`${other.base}/oauth/register`, json('POST', { client_name: 'x', grant_types: ['client_credentials'], response_types: [] }, bearer(acmeAdmin)));
      assert.ok(register.status === 401 || register.status === 403, `registration: ${register.status}`);
      assert.equal((await request(`${other.base}/oauth/userinfo`, { headers: bearer(await tokenOf(acme.base, acme.app)) })).status, 401);
    });

    test('admin API authorization: no token is 401 with WWW-Authenticate, in RFC 9457 problem JSON', async () => {
      const response = await request(`${world.url}/admin/api/v1/clients`);
      assert.equal(response.status, 401);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer /);
      for (const authorization of [basic(ADMIN_ID, ADMIN_SECRET), 'Bearer', 'Bearer not.a.jwt', `Bearer ${world.admin} extra`]) {
        const refused = await request(`${world.url}/admin/api/v1/clients`, { headers: { authorization } });
        assert.ok(refused.status === 400 || refused.status === 401, `${authorization.slice(0, 20)}: ${refused.status}`);
      }
    });

    test('admin API authorization: a token without scope admin is 403 insufficient_scope, for reads and writes alike', async () => {
      const token = await tokenOf(world.url, bystander);
      for (const [method, path, body] of [['GET', '/clients', undefined], ['POST', '/scopes', { name: 'sneaky' }], ['PATCH', '/settings', { require_pkce: false }], ['GET', '/tokens', undefined]] as const) {
        const response = await request(`${world.url}/admin/api/v1${path}`, body ? json(method, body, bearer(token)) : { method, headers: bearer(token) });
        assert.equal(response.status, 403, `${method} ${path}`);
        assert.match(response.headers.get('www-authenticate') ?? '', /insufficient_scope/);
      }
      assert.equal((await world.adminApi('/settings', { headers: bearer(world.admin) })).body.require_pkce, true, 'the write did not happen');
    });

    test('admin API authorization: a caller without a valid token learns nothing of what a request would need (401 before any validation)', async () => {
      for (const [method, path, body] of [['POST', '/tokens', {}], ['POST', '/users/x/api-keys', { client_id: 1 }], ['GET', '/clients?limit=abc', undefined], ['POST', '/scopes', '{not json']] as const) {
        const init = typeof body === 'string' ? { method, body, headers: { 'content-type': 'application/json' } } : body ? json(method, body) : { method };
        const response = await request(`${world.url}/admin/api/v1${path}`, init);
        assert.equal(response.status, 401, `${method} ${path}: ${JSON.stringify(response.body)}`);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer /);
      }
    });

    test('admin API answers are never cached: secrets and tokens are shown there (RFC 6749 §5.1)', async () => {
      const created = await world.adminApi('/clients', json('POST', { client_name: 'Uncached', grant_types: ['client_credentials'], response_types: [] }, bearer(world.admin)));
      assert.equal(created.status, 201);
      const secret = await world.adminApi(`/clients/${created.body.client_id}/secret`, { method: 'POST', headers: bearer(world.admin) });
      const token = await world.adminApi('/tokens', json('POST', { client_id: created.body.client_id }, bearer(world.admin)));
      const refused = await world.adminApi('/clients');
      for (const response of [created, secret, token, refused]) assert.equal(response.headers.get('cache-control'), 'no-store', `${response.status}`);
    });

    test('admin API authorization: a user who loses the admin role loses admin at once, in live tokens and refreshes', async () => {
      const app = await world.register({ client_name: 'Admin console app', grant_types: ['password', 'refresh_token'], response_types: [], scope: 'admin openid', refresh_token_limit: null, api_key_enabled: true });
      const user = await world.adminApi('/users', json('POST', { username: 'deputy', password: 'deputy-password-1', roles: ['admin'] }, bearer(world.admin)));
      assert.equal(user.status, 201, JSON.stringify(user.body));
      const key = await world.adminApi(`/users/${user.body.id}/api-keys`, json('POST', { client_id: app.id }, bearer(world.admin)));
      assert.equal(key.status, 201, JSON.stringify(key.body));
      const exchangeKey = () => request(`${world.url}/oauth/token`, form({ grant_type: 'password', authentication_type_name: 'apikey', api_key: key.body.api_key }, { authorization: basic(app.id, app.secret) }));
      assert.equal((await exchangeKey()).body.scope, 'admin openid', 'control');
      const signIn = await request(`${world.url}/oauth/token`, form({ grant_type: 'password', username: 'deputy', password: 'deputy-password-1' }, { authorization: basic(app.id, app.secret) }));
      assert.equal(signIn.body.scope, 'admin openid', JSON.stringify(signIn.body));
      assert.equal((await request(`${world.url}/admin/api/v1/clients`, { headers: bearer(signIn.body.access_token) })).status, 200, 'control');
      const roles = (list: string[]) => world.adminApi(`/users/${user.body.id}`, json('PATCH', { roles: list }, bearer(world.admin)));

      assert.equal((await roles([])).status, 200);
      const live = await request(`${world.url}/admin/api/v1/clients`, { headers: bearer(signIn.body.access_token) });
      assert.equal(live.status, 403, 'the live token no longer carries admin');
      assert.equal((await world.introspect(signIn.body.access_token)).scope, 'openid');
      const refresh = (token: string, scope?: string) =>
        request(`${world.url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: token, ...(scope ? { scope } : {}) }, { authorization: basic(app.id, app.secret) }));
      assert.equal((await refresh(signIn.body.refresh_token, 'admin')).body.error, 'invalid_scope', 'nothing left of what was asked for');
      const refreshed = await refresh(signIn.body.refresh_token);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.equal(refreshed.body.scope, 'openid');
      assert.equal((await request(`${world.url}/admin/api/v1/clients`, { headers: bearer(refreshed.body.access_token) })).status, 403);
      const fromKey = await exchangeKey();
      assert.equal(fromKey.body.scope, 'openid', 'a key made while the user held admin no longer yields it');
      assert.equal(decodeJwt(fromKey.body.access_token).scope, 'openid', 'nor does the token itself claim it');

      assert.equal((await roles(['admin'])).status, 200);
      const restored = await refresh(refreshed.body.refresh_token);
      assert.equal(restored.body.scope, 'admin openid', 'the grant kept admin for when the role came back');
      assert.equal((await request(`${world.url}/admin/api/v1/clients`, { headers: bearer(restored.body.access_token) })).status, 200);
    });

    test('admin API authorization: a client cannot obtain scope admin unless it was granted it', async () => {
      const response = await request(`${world.url}/oauth/token`, form({ grant_type: 'client_credentials', scope: 'admin' }, { authorization: basic(bystander.id, bystander.secret) }));
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'invalid_scope');
    });

    test('admin API authorization: another tenant’s admin is 403, and only the default tenant’s admins manage tenants', async () => {
      const crossed = await request(`${other.base}/admin/api/v1/users`, json('POST', { username: 'intruder', password: 'intruder-password-1' }, bearer(acme.admin)));
      assert.equal(crossed.status, 403);
      assert.match(crossed.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const tenants = await request(`${acme.base}/admin/api/v1/tenants`, json('POST', { id: 'rogue', name: 'rogue' }, bearer(acme.admin)));
      assert.equal(tenants.status, 403);
      for (const refused of [crossed, tenants]) assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer .*error="insufficient_scope"/, 'RFC 6750 §3');
      assert.equal((await request(`${world.url}/admin/api/v1/tenants/other`, { method: 'DELETE', headers: bearer(acme.admin) })).status, 403);
      assert.equal((await request(`${other.base}/admin/api/v1/clients`, { headers: bearer(world.admin) })).status, 200, 'the default tenant’s admin administers every tenant');
    });

    test('admin API authorization: a revoked admin token is refused at once', async () => {
      const created = await world.adminApi('/tokens', json('POST', { client_id: ADMIN_ID, scope: 'admin' }, bearer(world.admin)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const token = created.body.access_token as string;
      assert.equal((await request(`${world.url}/admin/api/v1/clients`, { headers: bearer(token) })).status, 200);
      assert.equal((await world.adminApi(`/tokens/${created.body.id}`, { method: 'DELETE', headers: bearer(world.admin) })).status, 204);
      assert.equal((await request(`${world.url}/admin/api/v1/clients`, { headers: bearer(token) })).status, 401);
    });
  });
}
