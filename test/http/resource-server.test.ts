/** The resource-server library: the gateway's checks inside a service, fed by the same change feed. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request, withAuthorizations } from '../helpers/oauth.js';
import { gatehousePlugin, ResourceServer, ResourceServerError } from '../../src/resource-server/index.js';

async function until(check: () => Promise<boolean>, deadlineMs = 5000): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

for (const database of testDatabases()) {
  describe(`resource-server library on ${database.name}`, () => {
    let server: TestServer;
    let rs: ResourceServer;
    let service: FastifyInstance;
    let serviceUrl: string;
    let client: { id: string; secret: string };
    const token = async () => (await request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(client.id, client.secret) }))).body.access_token as string;

    before(async () => {
      const url = await database.create();
      server = await startServer(url);
      const admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      await request(`${server.url}/admin/api/v1/scopes`, json('POST', { name: 'orders.read', services: ['GET /orders/*'] }, bearer(admin)));
      const registered = await request(`${server.url}/oauth/register`, json('POST', { client_name: 'Orders app', grant_types: ['client_credentials'], scope: 'orders.read' }, bearer(admin)));
      client = { id: registered.body.client_id, secret: registered.body.client_secret };
      rs = await ResourceServer.connect({ databaseUrl: url, secretKey: server.env.GATEHOUSE_SECRET_KEY!, issuer: server.url });
      service = Fastify();
      await service.register(gatehousePlugin, { resourceServer: rs });
      service.get('/orders/:id', async (req) => ({ id: (req.params as { id: string }).id, client: req.gatehouse?.clientId }));
      service.delete('/orders/:id', async () => ({ deleted: true }));
      await service.listen({ host: '127.0.0.1', port: 0 });
      serviceUrl = `http://127.0.0.1:${(service.server.address() as { port: number }).port}`;
    });
    after(async () => {
      await service.close();
      await rs.close();
      await server.close();
    });

    test('verifyRequest: claims for a covered request; RFC 6750 refusals otherwise', async () => {
      const access = await token();
      const ok = await rs.verifyRequest({ method: 'GET', url: '/orders/42?x=1', headers: bearer(access) });
      assert.equal(ok.clientId, client.id);
      assert.deepEqual(ok.scopes, ['orders.read']);
      const refusal = async (req: Parameters<ResourceServer['verifyRequest']>[0]) => {
        try {
          await rs.verifyRequest(req);
        } catch (error) {
          assert.ok(error instanceof ResourceServerError);
          return error;
        }
        assert.fail('expected a refusal');
      };
      const none = await refusal({ method: 'GET', url: '/orders/42', headers: {} });
      assert.equal(none.status, 401);
      assert.equal(none.wwwAuthenticate, 'Bearer realm="gatehouse"');
      // Another scheme is no token (RFC 6750 §3.1); the OAuth scheme is off while the tenant's compat.oauth_scheme is.
      for (const authorization of ['Basic YTpi', `OAuth ${access}`]) {
        const other = await refusal({ method: 'GET', url: '/orders/42', headers: { authorization } });
        assert.equal(other.status, 401, authorization.slice(0, 5));
        assert.equal(other.wwwAuthenticate, 'Bearer realm="gatehouse"');
      }
      const malformed = await refusal({ method: 'GET', url: '/orders/42', headers: { authorization: 'Bearer two tokens' } });
      assert.equal(malformed.status, 400);
      assert.match(malformed.wwwAuthenticate!, /error="invalid_request"/);
      const bad = await refusal({ method: 'GET', url: '/orders/42', headers: bearer('not.a.token') });
      assert.equal(bad.status, 401);
      assert.match(bad.wwwAuthenticate!, /error="invalid_token"/);
      const scope = await refusal({ method: 'DELETE', url: '/orders/42', headers: bearer(access) });
      assert.equal(scope.status, 403);
      assert.match(scope.wwwAuthenticate!, /error="insufficient_scope"/);
      const dots = await refusal({ method: 'GET', url: '/orders/%2e%2e/admin', headers: bearer(access) });
      assert.equal(dots.status, 400);
      // Node shows only the first of two Authorization headers; rawHeaders shows both.
      const twice = await refusal({ method: 'GET', url: '/orders/42', headers: bearer(access), rawHeaders: ['Authorization', `Bearer ${access}`, 'authorization', 'Bearer other'] });
      assert.equal(twice.status, 400);
      assert.match(twice.wwwAuthenticate!, /error="invalid_request"/);
    });

    test('the fastify plugin protects routes and refuses a revoked token once the feed delivers', async () => {
      const access = await token();
      const ok = await request(`${serviceUrl}/orders/7`, { headers: bearer(access) });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body, { id: '7', client: client.id });
      assert.equal((await request(`${serviceUrl}/orders/7`, { method: 'DELETE', headers: bearer(access) })).status, 403);
      assert.equal((await withAuthorizations(`${serviceUrl}/orders/7`, [`Bearer ${access}`, 'Bearer other'])).status, 400, 'two Authorization headers');
      const revoked = await request(`${server.url}/oauth/revoke`, form({ token: access }, { authorization: basic(client.id, client.secret) }));
      assert.equal(revoked.status, 200);
      assert.ok(await until(async () => (await request(`${serviceUrl}/orders/7`, { headers: bearer(access) })).status === 401), 'refused within 5 s');
    });

    test('Authorization: OAuth follows the tenant\'s compat.oauth_scheme without a restart; allowOAuthScheme overrides it', async () => {
      const admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const access = await token();
      const setOAuthScheme = async (on: boolean) => assert.equal((await request(`${server.url}/admin/api/v1/settings`, json('PATCH', { compat: { oauth_scheme: on } }, bearer(admin)))).status, 200);
      const viaOAuth = async () => (await request(`${serviceUrl}/orders/7`, { headers: { authorization: `OAuth ${access}` } })).status;
      const connect = (allowOAuthScheme: boolean) => ResourceServer.connect({ databaseUrl: server.env.GATEHOUSE_DATABASE_URL!, secretKey: server.env.GATEHOUSE_SECRET_KEY!, issuer: server.url, allowOAuthScheme });
      const oauthStatus = (resourceServer: ResourceServer) =>
        resourceServer.verifyRequest({ method: 'GET', url: '/orders/7', headers: { authorization: `OAuth ${access}` } }).then(
          () => 200,
          (error: unknown) => (error instanceof ResourceServerError ? error.status : Promise.reject(error)),
        );

      assert.equal(await viaOAuth(), 401, 'off by default');
      const forcedOn = await connect(true);
      try {
        assert.equal(await oauthStatus(forcedOn), 200, 'allowOAuthScheme: true accepts it while the tenant does not');
      } finally {
        await forcedOn.close();
      }
      await setOAuthScheme(true);
      try {
        assert.ok(await until(async () => (await viaOAuth()) === 200), 'accepted within 5 s of the PATCH');
        // Connected after the PATCH: it reads the tenant as it is now, so only the override can refuse.
        const forcedOff = await connect(false);
        try {
          assert.equal(await oauthStatus(forcedOff), 401, 'allowOAuthScheme: false refuses it while the tenant accepts it');
        } finally {
          await forcedOff.close();
        }
      } finally {
        await setOAuthScheme(false);
      }
      assert.ok(await until(async () => (await viaOAuth()) === 401), 'refused again within 5 s of turning it off');
    });
  });
}
