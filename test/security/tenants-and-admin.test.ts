/**
 * Who may see and touch which tokens (INTERFACE.md "Introspection", RFC 7662 §4, RFC 7009 §2.1,
 * RFC 6819 §5.1.5.8 binding to the client) and who may administer what (admin API: no token,
 * wrong scope, another tenant's admin). Tokens of one tenant are nothing in another.
 * On SQLite and PostgreSQL: tenants, revocations and tokens are store state.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
