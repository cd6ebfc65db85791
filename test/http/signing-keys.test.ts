/**
 * Signing-key management through the admin API (/keys): listing with statuses, rotation, and
 * withdrawal of a leaked key — out of the JWKS at once, its tokens refused at once by the gateway,
 * introspection, userinfo and the resource-server library (an embedded node of its own), while
 * tokens issued afterwards work. Also 404/409/401/403, tenant isolation, and on PostgreSQL a
 * second server node that must refuse the withdrawn key's tokens within 5 s.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { sleep, within } from '../helpers/deadline.js';
import { ADMIN_ID, ADMIN_SECRET, runCli, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { buildGateway } from '../../src/gateway/server.js';
import { ResourceServer, ResourceServerError } from '../../src/resource-server/index.js';

const nowS = () => Math.floor(Date.now() / 1000);
const SERVICE = '/sk-data';
const KEY_FIELDS = ['activates_at', 'alg', 'created_at', 'kid', 'retires_at', 'status', 'withdrawn_at', 'withdrawn_reason'];

interface KeyView {
  kid: string;
  alg: string;
  status: string;
  created_at: number;
  activates_at: number;
  retires_at: number | null;
  withdrawn_at: number | null;
  withdrawn_reason: string | null;
}


const kidOf = (token: string) => decodeProtectedHeader(token).kid!;

function assertInvalidToken(response: { status: number; headers: Headers }, label: string): void {
  assert.equal(response.status, 401, label);
  const challenge = response.headers.get('www-authenticate') ?? '';
  assert.match(challenge, /^Bearer realm="[^"]+"/, `${label}: ${challenge}`);
  assert.match(challenge, /error="invalid_token"/, `${label}: ${challenge}`);
}

for (const database of testDatabases()) {
  describe(`signing keys on ${database.name}`, () => {
    let databaseUrl: string;
    let server: TestServer;
    let gateway: FastifyInstance;
    let gw: string;
    let upstream: http.Server;
    let upstreamUrl: string;
    let rs: ResourceServer;
    let admin: string;
    let app: { id: string; secret: string };
    const USER = { username: 'sk-user', password: 'sk-user-password-1' };

    const keysApi = (path = '', init: RequestInit = {}, base = server.url) => request(`${base}/admin/api/v1/keys${path}`, init);
    const list = async (base = server.url, token = admin): Promise<KeyView[]> => {
      const response = await keysApi('', { headers: bearer(token) }, base);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body.items;
    };
    const jwksKids = async (base = server.url): Promise<string[]> => (await request(`${base}/oauth/jwks`)).body.keys.map((k: { kid: string }) => k.kid);
    const machineToken = () => clientCredentialsToken(server.url, app.id, app.secret, 'data');
    const userToken = async (base = server.url): Promise<string> => {
      const response = await request(`${base}/oauth/token`, form({ grant_type: 'password', ...USER, scope: 'openid profile data' }, { authorization: basic(app.id, app.secret) }));
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body.access_token;
    };
    const introspect = async (token: string, base = server.url) => {
      const response = await request(`${base}/oauth/introspect`, form({ token }, { authorization: basic(app.id, app.secret) }));
      assert.equal(response.status, 200);
      return response.body;
    };
    const atGateway = (token: string, base = gw) => request(`${base}${SERVICE}/x`, { headers: bearer(token) });
    const userinfo = (token: string) => request(`${server.url}/oauth/userinfo`, { headers: bearer(token) });
    const atResourceServer = async (token: string): Promise<number> => {
      try {
        await rs.verifyRequest({ method: 'GET', url: `${SERVICE}/x`, headers: bearer(token) });
        return 200;
      } catch (error) {
        if (error instanceof ResourceServerError) return error.status;
        throw error;
      }
    };
    const auditOf = async (action: string, target: string) => {
      const response = await request(`${server.url}/admin/api/v1/audit-events?limit=500`, { headers: bearer(admin) });
      return (response.body.items as { action: string; target: string; actor: string; detail: Record<string, unknown> }[]).filter((e) => e.action === action && e.target === target);
    };

    before(async () => {
      upstream = http.createServer((_req, res) => res.end('upstream'));
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
      databaseUrl = await database.create();
      server = await startServer(databaseUrl, { GATEHOUSE_KEY_ACTIVATION_DELAY: '2' });
      gateway = await buildGateway(server.gh, { services: server.gh.services, matchers: server.gh.matchers, feedHealthy: () => server.gh.feed.healthy(5000) });
      await gateway.listen({ host: '127.0.0.1', port: 0 });
      gw = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const api = (path: string, body: unknown) => request(`${server.url}/admin/api/v1${path}`, json('POST', body, bearer(admin)));
      assert.equal((await api('/scopes', { name: 'data', services: [`${SERVICE}/**`] })).status, 201);
      assert.equal((await api('/services', { name: 'sk-data', path_prefix: SERVICE, upstream: upstreamUrl })).status, 201);
      assert.equal((await api('/users', USER)).status, 201);
      const registered = await request(`${server.url}/oauth/register`, json('POST', { client_name: 'Key test app', grant_types: ['client_credentials', 'password'], scope: 'openid profile data' }, bearer(admin)));
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      app = { id: registered.body.client_id, secret: registered.body.client_secret };
      rs = await ResourceServer.connect({ databaseUrl, secretKey: server.env.GATEHOUSE_SECRET_KEY!, issuer: server.url });
    });
    after(async () => {
      await rs?.close();
      await gateway?.close();
      await server?.close();
      upstream?.closeAllConnections();
      await new Promise((resolve) => upstream?.close(resolve));
    });

    test('the list shows each key’s status; a rotation through the API is published at once and signs after the delay', async () => {
      const [first, ...none] = await list();
      assert.deepEqual(none, [], 'a new tenant has one key');
      assert.deepEqual(Object.keys(first!).sort(), KEY_FIELDS, 'no key material in the listing');
      assert.equal(first!.status, 'active');
      assert.equal(first!.alg, 'ES256');
      assert.equal(first!.retires_at, null);
      assert.equal(first!.withdrawn_at, null);

      const unknownField = await keysApi('/rotate', json('POST', { x: 1 }, bearer(admin)));
      assert.equal(unknownField.status, 400, 'an unknown field is refused, as everywhere in the API');
      assert.equal(unknownField.body.errors[0].field, 'x');
      const rotated = await keysApi('/rotate', { method: 'POST', headers: bearer(admin) });
      assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
      const next: KeyView = rotated.body;
      assert.equal(next.status, 'pending');
      assert.ok(next.activates_at > next.created_at, 'signs only after the activation delay');
      assert.deepEqual((await jwksKids()).sort(), [first!.kid, next.kid].sort(), 'published at once');
      assert.equal(kidOf(await machineToken()), first!.kid, 'the old key signs until the new one activates');
      assert.deepEqual((await list()).map((k) => [k.kid, k.status]), [[next.kid, 'pending'], [first!.kid, 'active']], 'latest activation first');
      const page1 = await keysApi('?limit=1', { headers: bearer(admin) });
      assert.deepEqual(page1.body.items.map((k: KeyView) => k.kid), [next.kid]);
      const page2 = await keysApi(`?limit=1&cursor=${page1.body.next_cursor}`, { headers: bearer(admin) });
      assert.deepEqual([page2.body.items.map((k: KeyView) => k.kid), page2.body.next_cursor], [[first!.kid], null]);
      const [audit] = await auditOf('keys.rotated', next.kid);
      assert.equal(audit?.actor, ADMIN_ID, 'the rotation is audited with the admin who made it');

      await sleep(Math.max(0, next.activates_at * 1000 - Date.now()) + 50);
      assert.deepEqual((await list()).map((k) => [k.kid, k.status, k.retires_at]), [[next.kid, 'active', null], [first!.kid, 'retiring', null]]);
      assert.equal(kidOf(await machineToken()), next.kid, 'the new key signs once active');
    });

    test('withdrawing the signing key: out of the JWKS at once, its tokens refused everywhere, a new key signs at once', async () => {
      const machine = await machineToken();
      const user = await userToken();
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const kid = kidOf(machine);
      assert.equal(kidOf(user), kid);
      assert.equal(kidOf(admin), kid);
      // Used first, so each verifier has the signature cached when the key is withdrawn.
      assert.equal((await atGateway(machine)).status, 200);
      assert.equal((await introspect(user)).active, true);
      assert.equal((await userinfo(user)).status, 200);
      assert.equal(await within(5000, async () => (await atResourceServer(machine)) === 200), true, 'the resource server knows the key');

      const withdrawn = await keysApi(`/${encodeURIComponent(kid)}?reason=leaked`, { method: 'DELETE', headers: bearer(admin) });
      assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
      const { withdrawn: old, replacement } = withdrawn.body as { withdrawn: KeyView; replacement: KeyView };
      assert.equal(old.kid, kid);
      assert.equal(old.status, 'withdrawn');
      assert.equal(old.withdrawn_reason, 'leaked');
      assert.ok(old.withdrawn_at! >= nowS() - 5);
      assert.equal(replacement.status, 'active', 'the withdrawn key signed: a replacement signs at once');
      assert.ok(replacement.activates_at <= old.withdrawn_at!, 'no activation delay for the replacement');

      // The admin token was signed by the withdrawn key too.
      assert.equal((await keysApi('', { headers: bearer(admin) })).status, 401);
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);

      const kids = await jwksKids();
      assert.ok(!kids.includes(kid), 'out of the JWKS at once');
      assert.ok(kids.includes(replacement.kid));
      assertInvalidToken(await atGateway(machine), 'gateway');
      assert.deepEqual(await introspect(user), { active: false });
      assert.deepEqual(await introspect(machine), { active: false });
      assertInvalidToken(await userinfo(user), 'userinfo');
      assert.equal(await within(5000, async () => (await atResourceServer(machine)) === 401), true, 'the resource server refuses it once the feed delivers');

      const freshMachine = await machineToken();
      const freshUser = await userToken();
      assert.equal(kidOf(freshMachine), replacement.kid, 'the next token is signed by the new key');
      assert.equal(kidOf(freshUser), replacement.kid);
      assert.equal((await atGateway(freshMachine)).status, 200);
      assert.equal((await introspect(freshUser)).active, true);
      assert.equal((await userinfo(freshUser)).status, 200);
      assert.equal(await within(5000, async () => (await atResourceServer(freshMachine)) === 200), true);

      // Token management says why the old tokens are refused; the new ones are plainly active.
      const tokenView = async (token: string) => (await request(`${server.url}/admin/api/v1/tokens/${decodeJwt(token).jti}`, { headers: bearer(admin) })).body as { status: string; cut_off: string | null };
      for (const token of [machine, user]) {
        const { status, cut_off } = await tokenView(token);
        assert.deepEqual({ status, cut_off }, { status: 'revoked', cut_off: 'signing_key_withdrawn' });
      }
      for (const token of [freshMachine, freshUser]) assert.equal((await tokenView(token)).cut_off, null);

      const listed = await list();
      assert.equal(listed.find((k) => k.kid === kid)?.status, 'withdrawn', 'the row stays, for audit');
      assert.equal(listed.find((k) => k.kid === replacement.kid)?.status, 'active');
      const [audit] = await auditOf('keys.withdrawn', kid);
      assert.equal(audit?.actor, ADMIN_ID);
      assert.deepEqual(audit?.detail, { reason: 'leaked', replaced_by: replacement.kid });

      const again = await keysApi(`/${encodeURIComponent(kid)}`, { method: 'DELETE', headers: bearer(admin) });
      assert.equal(again.status, 409, 'withdrawn already');
      assert.match(again.headers.get('content-type') ?? '', /^application\/problem\+json/);
    });

    test('withdrawing a retiring or pending key leaves the signing key in place', async () => {
      const signing = kidOf(await machineToken());
      const retiring = (await list()).find((k) => k.status === 'retiring');
      assert.ok(retiring, 'the first key is still retiring');
      const rotated = await keysApi('/rotate', { method: 'POST', headers: bearer(admin) });
      const pending: KeyView = rotated.body;
      assert.equal(pending.status, 'pending');
      for (const key of [retiring, pending]) {
        const response = await keysApi(`/${encodeURIComponent(key.kid)}`, { method: 'DELETE', headers: bearer(admin) });
        assert.equal(response.status, 200, JSON.stringify(response.body));
        assert.equal(response.body.replacement, null, `no replacement for a ${key.status} key`);
        assert.ok(!(await jwksKids()).includes(key.kid));
      }
      assert.equal(kidOf(await machineToken()), signing);
      await sleep(Math.max(0, pending.activates_at * 1000 - Date.now()) + 50);
      assert.equal(kidOf(await machineToken()), signing, 'a withdrawn pending key never signs');
    });

    test('unknown kid: 404 problem; no token: 401; a token without scope admin: 403', async () => {
      const unknown = await keysApi('/no-such-kid', { method: 'DELETE', headers: bearer(admin) });
      assert.equal(unknown.status, 404);
      assert.match(unknown.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(unknown.body.status, 404);
      const machine = await machineToken();
      const signing = kidOf(machine);
      for (const [path, method] of [['', 'GET'], ['/rotate', 'POST'], [`/${encodeURIComponent(signing)}`, 'DELETE']] as const) {
        assert.equal((await keysApi(path, { method })).status, 401, `${method} ${path} without a token`);
        assert.equal((await keysApi(path, { method, headers: bearer(machine) })).status, 403, `${method} ${path} without scope admin`);
      }
      assert.equal(kidOf(await machineToken()), signing, 'nothing was withdrawn or rotated');
      assert.equal((await list()).filter((k) => k.status === 'pending').length, 0);
    });

    test('tenant isolation: a key of one tenant cannot be listed or withdrawn through another', async () => {
      const tenants: Record<string, { base: string; admin: string }> = {};
      for (const id of ['sk-a', 'sk-b']) {
        const created = await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id, name: id }, bearer(admin)));
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const base = `${server.url}/t/${id}`;
        tenants[id] = { base, admin: await clientCredentialsToken(base, created.body.admin_client_id, created.body.admin_client_secret) };
      }
      const a = tenants['sk-a']!;
      const b = tenants['sk-b']!;
      const [aKey] = await list(a.base, a.admin);
      assert.ok(aKey);
      for (const token of [admin, b.admin]) {
        assert.ok(!(await list(b.base, token)).some((k) => k.kid === aKey.kid), 'not listed in the other tenant');
        assert.equal((await keysApi(`/${encodeURIComponent(aKey.kid)}`, { method: 'DELETE', headers: bearer(token) }, b.base)).status, 404, 'not withdrawn through the other tenant');
      }
      assert.equal((await keysApi('', { headers: bearer(a.admin) }, b.base)).status, 403, 'a tenant’s admin token administers its own tenant only');
      assert.equal((await keysApi(`/${encodeURIComponent(aKey.kid)}`, { method: 'DELETE', headers: bearer(a.admin) }, b.base)).status, 403);
      assert.equal((await list(a.base, a.admin)).find((k) => k.kid === aKey.kid)?.status, 'active', 'still active in its own tenant');
      assert.ok((await jwksKids(a.base)).includes(aKey.kid));
      // The tenant's own admin withdraws it there; the default tenant's keys are untouched.
      const defaultKids = await jwksKids();
      const own = await keysApi(`/${encodeURIComponent(aKey.kid)}`, { method: 'DELETE', headers: bearer(a.admin) }, a.base);
      assert.equal(own.status, 200, JSON.stringify(own.body));
      assert.ok(!(await jwksKids(a.base)).includes(aKey.kid));
      assert.deepEqual(await jwksKids(), defaultKids);
    });

    test('a tenant’s first key: nodes meeting it together make one; a tenant deleted meanwhile gets none, only a 404', async () => {
      await assert.rejects(server.gh.keys.signingKey('no-such-tenant'), (error: Error) => error.constructor.name === 'UnknownTenantError');
      const created = await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id: 'twins' }, bearer(admin)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      // Two nodes in one process share SQLite's one writer badly; PostgreSQL is where nodes meet.
      if (database.name === 'postgres') {
        const other = await startServer(databaseUrl, { GATEHOUSE_SECRET_KEY: server.env.GATEHOUSE_SECRET_KEY! });
        try {
          await Promise.all([server.gh.keys.signingKey('twins'), other.gh.keys.signingKey('twins'), server.gh.keys.signingKey('twins')]);
        } finally {
          await other.close();
        }
      }
      assert.equal((await request(`${server.url}/t/twins/oauth/jwks`)).body.keys.length, 1, 'one first key');
      assert.equal((await request(`${server.url}/admin/api/v1/tenants/twins`, { method: 'DELETE', headers: bearer(admin) })).status, 204);
    });

    test('`gatehouse keys list` and `keys withdraw KID` against the running server', async () => {
      const listed = await runCli(['keys', 'list'], server.env);
      assert.equal(listed.code, 0, listed.stderr);
      const [header, ...lines] = listed.stdout.trim().split('\n');
      assert.equal(header, 'kid\tstatus\tcreated\tactivates\tretires\twithdrawn');
      assert.deepEqual(lines.map((line) => line.split('\t').slice(0, 2)), (await list()).map((k) => [k.kid, k.status]));

      const token = await machineToken();
      const kid = kidOf(token);
      assert.equal((await atGateway(token)).status, 200);
      const withdrawn = await runCli(['keys', 'withdraw', kid, '--reason', 'cli test'], server.env);
      assert.equal(withdrawn.code, 0, withdrawn.stderr);
      const replacement = /new signing key (\S+) signs from now on/.exec(withdrawn.stdout)?.[1];
      assert.ok(replacement, withdrawn.stdout);
      // Another process wrote it: the running server learns of it through the change feed.
      assert.equal(await within(5000, async () => (await atGateway(token)).status === 401), true, 'the server refuses the token');
      assert.ok(!(await jwksKids()).includes(kid));
      assert.equal(kidOf(await machineToken()), replacement);
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      assert.equal((await list()).find((k) => k.kid === kid)?.withdrawn_reason, 'cli test');

      const again = await runCli(['keys', 'withdraw', kid], server.env);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /withdrawn already/);
      const unknown = await runCli(['keys', 'list', '--tenant', 'no-such-tenant'], server.env);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no tenant "no-such-tenant"/);

      // Run from a shell with another issuer, port and admin secret: the command changes no client.
      const consoleClient = async () => (await request(`${server.url}/admin/api/v1/clients/gatehouse-console`, { headers: bearer(admin) })).body.redirect_uris;
      const before = await consoleClient();
      const elsewhere = await runCli(['keys', 'list'], { ...server.env, GATEHOUSE_ISSUER: 'http://elsewhere.example:9999', PORT: '9999', GATEHOUSE_ADMIN_CLIENT_SECRET: 'another-secret-of-at-least-32-characters!' });
      assert.equal(elsewhere.code, 0, elsewhere.stderr);
      assert.deepEqual(await consoleClient(), before, 'the console client still redirects to the serving nodes');
      assert.ok(await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET), 'the bootstrap admin keeps its secret');
    });

    if (database.name === 'postgres') {
      test('two nodes on one PostgreSQL: a withdrawal on node A refuses the key’s tokens on node B within 5 s', async () => {
        // One deployment: the same issuer and server secret, another address.
        const nodeB = await startServer(databaseUrl, { GATEHOUSE_ISSUER: server.url, GATEHOUSE_SECRET_KEY: server.env.GATEHOUSE_SECRET_KEY!, GATEHOUSE_KEY_ACTIVATION_DELAY: '2' });
        const nodeBUrl = `http://127.0.0.1:${nodeB.env.PORT}`;
        const gatewayB = await buildGateway(nodeB.gh, { services: nodeB.gh.services, matchers: nodeB.gh.matchers, feedHealthy: () => nodeB.gh.feed.healthy(5000) });
        try {
          await gatewayB.listen({ host: '127.0.0.1', port: 0 });
          const gwB = `http://127.0.0.1:${(gatewayB.server.address() as AddressInfo).port}`;
          const token = await machineToken();
          const kid = kidOf(token);
          assert.equal((await atGateway(token, gwB)).status, 200, 'node B accepts the token first');
          assert.equal((await introspect(token, nodeBUrl)).active, true);

          const withdrawn = await keysApi(`/${encodeURIComponent(kid)}`, { method: 'DELETE', headers: bearer(admin) });
          assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
          const replacement: string = withdrawn.body.replacement.kid;
          admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
          const started = Date.now();
          assert.equal(await within(5000, async () => (await atGateway(token, gwB)).status === 401), true, 'node B’s gateway refuses the token within 5 s');
          console.log(`# ${database.name}: node B refused the withdrawn key's token after ${Date.now() - started} ms`);
          assertInvalidToken(await atGateway(token, gwB), 'node B gateway');
          assert.deepEqual(await introspect(token, nodeBUrl), { active: false });
          assert.ok(!(await jwksKids(nodeBUrl)).includes(kid), 'out of node B’s JWKS');

          const fresh = await machineToken();
          assert.equal(kidOf(fresh), replacement);
          assert.equal(await within(5000, async () => (await atGateway(fresh, gwB)).status === 200), true, 'node B accepts the replacement key’s tokens');
        } finally {
          await gatewayB.close();
          await nodeB.close();
        }
      });
    }
  });
}
