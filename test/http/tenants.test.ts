/** Tenants ("repositories"): created by the default tenant's admins, isolated, deleted with everything they issued. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { openDb } from '../../src/store/db.js';
import { Maintenance } from '../../src/core/maintenance.js';
import { TENANT_ID_SETTLE_S } from '../../src/core/tenant-admin.js';
import { nowS } from '../../src/domain/time.js';

for (const database of testDatabases()) {
  describe(`tenants on ${database.name}`, () => {
    let server: TestServer;
    let databaseUrl: string;
    let rootAdmin: string;
    let acme: { id: string; secret: string; token: string };

    before(async () => {
      databaseUrl = await database.create();
      server = await startServer(databaseUrl);
      rootAdmin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const created = await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id: 'acme', name: 'Acme Corp' }, bearer(rootAdmin)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.issuer, `${server.url}/t/acme`);
      const token = await clientCredentialsToken(`${server.url}/t/acme`, created.body.admin_client_id, created.body.admin_client_secret);
      acme = { id: created.body.admin_client_id, secret: created.body.admin_client_secret, token };
    });
    after(() => server.close());

    test('a tenant is its own issuer, with its own metadata and keys', async () => {
      const claims = decodeJwt(acme.token);
      assert.equal(claims.iss, `${server.url}/t/acme`);
      assert.equal(claims.aud, `${server.url}/t/acme/gateway`);
      const rfc8414 = await request(`${server.url}/.well-known/oauth-authorization-server/t/acme`);
      assert.equal(rfc8414.body.issuer, `${server.url}/t/acme`);
      assert.equal(rfc8414.body.token_endpoint, `${server.url}/t/acme/oauth/token`);
      const oidc = await request(`${server.url}/t/acme/.well-known/openid-configuration`);
      assert.equal(oidc.body.issuer, `${server.url}/t/acme`);
      const rootKeys = (await request(`${server.url}/oauth/jwks`)).body.keys.map((k: { kid: string }) => k.kid);
      const acmeKeys = (await request(`${server.url}/t/acme/oauth/jwks`)).body.keys.map((k: { kid: string }) => k.kid);
      assert.ok(acmeKeys.length > 0);
      assert.ok(acmeKeys.every((kid: string) => !rootKeys.includes(kid)));
    });

    test('duplicate, invalid and reserved ids are refused', async () => {
      assert.equal((await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id: 'acme' }, bearer(rootAdmin)))).status, 409);
      for (const id of ['Acme', '-x', 'default', 'a/b', '']) {
        const response = await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id }, bearer(rootAdmin)));
        assert.equal(response.status, 400, id);
        assert.equal(response.body.errors[0].field, 'id');
      }
    });

    test('admin authority: root admins act on every tenant; a tenant admin only on its own', async () => {
      assert.equal((await request(`${server.url}/t/acme/admin/api/v1/clients`, { headers: bearer(rootAdmin) })).status, 200);
      assert.equal((await request(`${server.url}/t/acme/admin/api/v1/clients`, { headers: bearer(acme.token) })).status, 200);
      assert.equal((await request(`${server.url}/admin/api/v1/clients`, { headers: bearer(acme.token) })).status, 403);
      assert.equal((await request(`${server.url}/admin/api/v1/tenants`, { headers: bearer(acme.token) })).status, 403);
      assert.equal((await request(`${server.url}/t/acme/admin/api/v1/tenants`, { headers: bearer(acme.token) })).status, 403);
    });

    test('nothing crosses tenants: clients, tokens, scopes, users', async () => {
      // A client of acme does not exist at the root.
      const atRoot = await request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(acme.id, acme.secret) }));
      assert.equal(atRoot.status, 401);
      // acme's token is inactive at the root's introspection, and the root's at acme's.
      assert.deepEqual((await request(`${server.url}/oauth/introspect`, form({ token: acme.token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }))).body, { active: false });
      assert.deepEqual((await request(`${server.url}/t/acme/oauth/introspect`, form({ token: rootAdmin }, { authorization: basic(acme.id, acme.secret) }))).body, { active: false });
      // A revocation through the wrong tenant changes nothing.
      await request(`${server.url}/oauth/revoke`, form({ token: acme.token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
      assert.equal((await request(`${server.url}/t/acme/oauth/introspect`, form({ token: acme.token }, { authorization: basic(acme.id, acme.secret) }))).body.active, true);
      // Scopes and users of one tenant are unknown in the other.
      assert.equal((await request(`${server.url}/t/acme/admin/api/v1/scopes`, json('POST', { name: 'acme.only', services: ['/acme/**'] }, bearer(acme.token)))).status, 201);
      assert.equal((await request(`${server.url}/admin/api/v1/scopes/acme.only`, { headers: bearer(rootAdmin) })).status, 404);
      const user = await request(`${server.url}/t/acme/admin/api/v1/users`, json('POST', { username: 'wile', password: 'coyote-password-1' }, bearer(acme.token)));
      assert.equal(user.status, 201);
      assert.equal((await request(`${server.url}/admin/api/v1/users/${user.body.id}`, { headers: bearer(rootAdmin) })).status, 404);
    });

    test('deleting a tenant removes it and refuses its tokens at once', async () => {
      const created = await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id: 'doomed' }, bearer(rootAdmin)));
      const token = await clientCredentialsToken(`${server.url}/t/doomed`, created.body.admin_client_id, created.body.admin_client_secret);
      assert.equal((await request(`${server.url}/t/doomed/admin/api/v1/clients`, { headers: bearer(token) })).status, 200);
      assert.equal((await request(`${server.url}/admin/api/v1/tenants/doomed`, { method: 'DELETE', headers: bearer(rootAdmin) })).status, 204);
      assert.equal((await request(`${server.url}/t/doomed/admin/api/v1/clients`, { headers: bearer(token) })).status, 404);
      assert.equal((await request(`${server.url}/t/doomed/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(created.body.admin_client_id, created.body.admin_client_secret) }))).status, 404);
      assert.equal((await request(`${server.url}/admin/api/v1/tenants/doomed`, { headers: bearer(rootAdmin) })).status, 404);
      assert.equal((await request(`${server.url}/admin/api/v1/tenants/default`, { method: 'DELETE', headers: bearer(rootAdmin) })).status, 409);
    });

    test('rows a request commits after its tenant was deleted are swept; until then the id is not given to a new tenant', async () => {
      const created = await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id: 'late' }, bearer(rootAdmin)));
      assert.equal(created.status, 201);
      assert.equal((await request(`${server.url}/admin/api/v1/tenants/late`, { method: 'DELETE', headers: bearer(rootAdmin) })).status, 204);
      // What a token batch that read the tenant before the deletion commits after it.
      const db = openDb(databaseUrl);
      try {
        const late = { jti: `late-${Date.now()}`, tenant_id: 'late', client_id: created.body.admin_client_id, subject: created.body.admin_client_id, scope: 'admin', grant_type: 'client_credentials', kid: 'k', issued_at: nowS(), expires_at: nowS() + 3600, never_expires: 0, family_id: null, revoked_at: null, revoked_reason: null };
        await db.kysely.insertInto('tokens').values(late).execute();
        const again = await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id: 'late' }, bearer(rootAdmin)));
        assert.equal(again.status, 409, 'the id is not free while late writes may land');
        assert.match(again.body.detail, /deleted moments ago/);

        // A minute on, maintenance sweeps the late rows and frees the id.
        await db.kysely.updateTable('tenant_tombstones').set({ deleted_at: nowS() - TENANT_ID_SETTLE_S - 1 }).where('id', '=', 'late').execute();
        await new Maintenance({ store: server.gh.store, keys: server.gh.keys, revocations: server.gh.revocations, log: server.gh.log, auditRetentionS: 86400 }).runOnce();
        assert.equal((await db.kysely.selectFrom('tokens').select('jti').where('tenant_id', '=', 'late').execute()).length, 0, 'swept');
        assert.equal((await db.kysely.selectFrom('tenant_tombstones').select('id').where('id', '=', 'late').execute()).length, 0, 'the id is free');
        const reused = await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id: 'late' }, bearer(rootAdmin)));
        assert.equal(reused.status, 201, JSON.stringify(reused.body));
        // A sweep that read the tombstone before the id was freed comes too late: it finds the tombstone taken and leaves the new tenant alone.
        await server.gh.store.transaction((tx) => tx.tenants.sweepTombstoned('late'));
        const admin = await clientCredentialsToken(`${server.url}/t/late`, reused.body.admin_client_id, reused.body.admin_client_secret);
        const tokens = await request(`${server.url}/t/late/admin/api/v1/tokens`, { headers: bearer(admin) });
        assert.ok(tokens.body.items.every((t: { id: string }) => t.id !== late.jti), 'the new tenant inherits nothing');
      } finally {
        await db.close();
      }
      assert.equal((await request(`${server.url}/admin/api/v1/tenants/late`, { method: 'DELETE', headers: bearer(rootAdmin) })).status, 204);
    });

    test('GAM additional_parameters picks the repository at the default endpoint, only with compat.gam', async () => {
      const body = { grant_type: 'client_credentials', client_id: acme.id, client_secret: acme.secret, additional_parameters: JSON.stringify({ AuthenticationTypeName: 'local', Repository: 'acme' }) };
      const headers = { 'GeneXus-Agent': 'SmartDevice Application' };
      const off = await request(`${server.url}/oauth/access_token`, form(body, headers));
      assert.equal(off.status, 401, 'without compat.gam the request stays in the default tenant, where the client is unknown');
      await request(`${server.url}/admin/api/v1/settings`, json('PATCH', { compat: { gam: true } }, bearer(rootAdmin)));
      await request(`${server.url}/t/acme/admin/api/v1/settings`, json('PATCH', { compat: { gam: true } }, bearer(acme.token)));
      try {
        const on = await request(`${server.url}/oauth/access_token`, form(body, headers));
        assert.equal(on.status, 200, JSON.stringify(on.body));
        assert.equal(decodeJwt(on.body.access_token).iss, `${server.url}/t/acme`);
        const upper = await request(`${server.url}/oauth/access_token`, form({ ...body, additional_parameters: '{"Repository":"ACME"}' }, headers));
        assert.equal(decodeJwt(upper.body.access_token).iss, `${server.url}/t/acme`, 'a repository GUID is compared without case');
        const unknown = await request(`${server.url}/oauth/access_token`, form({ ...body, additional_parameters: '{"Repository":"nope"}' }, headers));
        assert.equal(unknown.body.error, 'invalid_request');
        // At a tenant's own endpoint Repository selects nothing, but the authentication type still counts.
        const external = await request(`${server.url}/t/acme/oauth/access_token`, form({ ...body, grant_type: 'password', username: 'x', password: 'y', additional_parameters: '{"AuthenticationTypeName":"facebook"}' }, headers));
        assert.equal(external.status, 400, JSON.stringify(external.body));
        assert.match(external.body.error_description, /"facebook" is not an authentication type of this tenant/);
      } finally {
        await request(`${server.url}/admin/api/v1/settings`, json('PATCH', { compat: { gam: false } }, bearer(rootAdmin)));
      }
    });

    test('rename and list', async () => {
      const renamed = await request(`${server.url}/admin/api/v1/tenants/acme`, json('PATCH', { name: 'ACME Inc' }, bearer(rootAdmin)));
      assert.equal(renamed.body.name, 'ACME Inc');
      const patch = (body: unknown) => request(`${server.url}/admin/api/v1/tenants/acme`, json('PATCH', body, bearer(rootAdmin)));
      for (const body of [{}, { id: 'acme' }]) {
        const unchanged = await patch(body);
        assert.equal(unchanged.status, 200, `${JSON.stringify(body)}: ${JSON.stringify(unchanged.body)}`);
        assert.equal(unchanged.body.name, 'ACME Inc', 'omitted fields keep their values');
      }
      const moved = await patch({ id: 'acme2' });
      assert.equal(moved.status, 400);
      assert.deepEqual(moved.body.errors.map((e: { field: string }) => e.field), ['id'], JSON.stringify(moved.body));
      assert.equal((await patch({ name: ' ' })).body.errors[0].field, 'name');
      assert.equal((await request(`${server.url}/admin/api/v1/tenants/acme`, { headers: bearer(rootAdmin) })).body.name, 'ACME Inc');
      const list = await request(`${server.url}/admin/api/v1/tenants?limit=500`, { headers: bearer(rootAdmin) });
      assert.deepEqual(list.body.items.map((t: { id: string }) => t.id).sort(), ['acme', 'default']);
    });
  });
}
