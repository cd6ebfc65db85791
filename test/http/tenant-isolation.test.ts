/**
 * The cross-tenant matrix (issue 6): every kind of object of one tenant tried at every endpoint of
 * another, each cell refused. Each cell also runs against the object's own tenant first and must
 * be accepted there, so a cell cannot pass because the attempt was malformed. Two tenants are
 * provisioned identically (same user name, same client shape); the cells are generated from one
 * table, in both directions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { FormClient, parseForm, signIn } from '../helpers/forms.js';
import { buildGateway } from '../../src/gateway/server.js';
import { s256 } from '../../src/oauth/pkce.js';

const REDIRECT = 'https://app.example/cb';
const USERNAME = 'same-name';

interface Fixture {
  id: string;
  /** The tenant's issuer, the prefix of all its endpoints. */
  base: string;
  admin: string;
  app: { id: string; secret: string; registrationToken: string };
  password: string;
  apiKey: string;
  servicePath: string;
  /** Signed in and consented at this tenant: its cookies are a session here. */
  browser: FormClient;
}

/** One cell's attempt: an object of `from` presented to `to`; true when `to` accepted it. */
type Attempt = (from: Fixture, to: Fixture) => Promise<boolean>;

for (const database of testDatabases()) {
  describe(`tenant isolation on ${database.name}`, () => {
    let server: TestServer;
    let gateway: FastifyInstance;
    let upstream: http.Server;
    let gw: string;
    let rootAdmin: string;
    const tenants: Record<'a' | 'b', Fixture> = {} as Record<'a' | 'b', Fixture>;

    const authorizeUrl = (t: Fixture, verifier: string, extra: Record<string, string> = {}) => {
      const url = new URL(`${t.base}/oauth/authorize`);
      const params = { response_type: 'code', client_id: t.app.id, redirect_uri: REDIRECT, scope: 'openid', state: 's', code_challenge: s256(verifier), code_challenge_method: 'S256', ...extra };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return url.toString();
    };
    const token = (t: Fixture, params: Record<string, string>, client = t.app) => request(`${t.base}/oauth/token`, form(params, { authorization: basic(client.id, client.secret) }));
    const passwordGrant = (t: Fixture, password: string, scope = 'openid data') => token(t, { grant_type: 'password', username: USERNAME, password, scope });
    const introspect = async (t: Fixture, tok: string) => (await request(`${t.base}/oauth/introspect`, form({ token: tok }, { authorization: basic(t.app.id, t.app.secret) }))).body.active === true;
    const userToken = async (t: Fixture) => (await passwordGrant(t, t.password)).body as { access_token: string; refresh_token: string };
    /** Code flow through a fresh browser: the code and its verifier. */
    async function code(t: Fixture): Promise<{ code: string; verifier: string }> {
      const verifier = randomBytes(32).toString('base64url');
      const back = await signIn(new FormClient(t.base), authorizeUrl(t, verifier), { username: USERNAME, password: t.password });
      return { code: back.searchParams.get('code')!, verifier };
    }
    /** Whether the browser walks straight back to the client with a code (no login, no consent page). */
    async function silentCode(t: Fixture, browser: FormClient): Promise<boolean> {
      const page = await browser.go(authorizeUrl(t, randomBytes(32).toString('base64url'), { prompt: 'none' }));
      return !page.body && new URL(page.url).searchParams.has('code');
    }

    /** kind × target: what of tenant A is tried where in tenant B. */
    const matrix: [kind: string, target: string, attempt: Attempt][] = [
      ['client credentials', 'token endpoint', async (from, to) => (await token(to, { grant_type: 'client_credentials' }, from.app)).status === 200],
      ['client credentials', 'introspection', async (from, to) => (await request(`${to.base}/oauth/introspect`, form({ token: 'x' }, { authorization: basic(from.app.id, from.app.secret) }))).status === 200],
      ['access token', 'introspection', async (from, to) => introspect(to, (await userToken(from)).access_token)],
      ['access token', 'userinfo', async (from, to) => (await request(`${to.base}/oauth/userinfo`, { headers: bearer((await userToken(from)).access_token) })).status === 200],
      ['access token', 'revocation', async (from, to) => {
        const { access_token: tok } = await userToken(from);
        await request(`${to.base}/oauth/revoke`, form({ token: tok }, { authorization: basic(to.app.id, to.app.secret) }));
        return !(await introspect(from, tok));
      }],
      ['access token', 'gateway service', async (from, to) => (await request(`${gw}${to.servicePath}/x`, { headers: bearer(await clientCredentialsToken(from.base, from.app.id, from.app.secret, 'data')) })).status === 200],
      ['admin token', 'admin API', async (from, to) => (await request(`${to.base}/admin/api/v1/clients`, { headers: bearer(from.admin) })).status === 200],
      ['refresh token', 'token endpoint', async (from, to) => (await token(to, { grant_type: 'refresh_token', refresh_token: (await userToken(from)).refresh_token })).status === 200],
      ['authorization code', 'token endpoint', async (from, to) => {
        const issued = await code(from);
        return (await token(to, { grant_type: 'authorization_code', code: issued.code, redirect_uri: REDIRECT, code_verifier: issued.verifier })).status === 200;
      }],
      ['user password', 'password grant', async (from, to) => (await passwordGrant(to, from.password)).status === 200],
      ['user password', 'login page', async (from, to) => {
        const browser = new FormClient(to.base);
        const page = await browser.go(authorizeUrl(to, randomBytes(32).toString('base64url')));
        const next = await browser.submit(parseForm(page.body, page.url, page.response.status), { username: USERNAME, password: from.password });
        return !next.body.includes('name="password"');
      }],
      ['API key', 'API-key exchange', async (from, to) => (await token(to, { grant_type: 'password', authentication_type_name: 'apikey', api_key: from.apiKey })).status === 200],
      ['session cookie', 'authorize (prompt=none)', async (from, to) => silentCode(to, from.browser)],
      ['consent', 'authorize after login', async (from, to) => {
        // A user of the same name and password in both tenants consents in `from` only; signing
        // in at `to` must still show the consent page.
        const username = `consent-${randomBytes(6).toString('hex')}`;
        for (const t of new Set([from, to])) assert.equal((await request(`${t.base}/admin/api/v1/users`, json('POST', { username, password: 'consent-password-1' }, bearer(t.admin)))).status, 201);
        await signIn(new FormClient(from.base), authorizeUrl(from, randomBytes(32).toString('base64url')), { username, password: 'consent-password-1' });
        const browser = new FormClient(to.base);
        const page = await browser.go(authorizeUrl(to, randomBytes(32).toString('base64url')));
        const next = await browser.submit(parseForm(page.body, page.url, page.response.status), { username, password: 'consent-password-1' });
        return !next.body && new URL(next.url).searchParams.has('code');
      }],
      ['registration access token', 'client configuration endpoint', async (from, to) => {
        const own = await request(`${to.base}/oauth/register/${encodeURIComponent(from.app.id)}`, { headers: bearer(from.app.registrationToken) });
        const theirs = await request(`${to.base}/oauth/register/${encodeURIComponent(to.app.id)}`, { headers: bearer(from.app.registrationToken) });
        return own.status === 200 || (theirs.status === 200 && from !== to);
      }],
      ['signing key', 'JWKS', async (from, to) => {
        const { kid } = decodeProtectedHeader(await clientCredentialsToken(from.base, from.app.id, from.app.secret));
        return (await request(`${to.base}/oauth/jwks`)).body.keys.some((k: { kid: string }) => k.kid === kid);
      }],
      ['client credentials', 'GAM additional_parameters Repository', async (from, to) => {
        const response = await request(`${server.url}/oauth/access_token`, form({ grant_type: 'client_credentials', client_id: from.app.id, client_secret: from.app.secret, additional_parameters: JSON.stringify({ AuthenticationTypeName: 'local', Repository: to.id }) }));
        return response.status === 200 && decodeJwt(response.body.access_token).iss === to.base;
      }],
    ];

    async function provision(id: string, upstreamUrl: string): Promise<Fixture> {
      const created = await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id, name: id }, bearer(rootAdmin)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const base = `${server.url}/t/${id}`;
      const admin = await clientCredentialsToken(base, created.body.admin_client_id, created.body.admin_client_secret);
      const api = (path: string, method: string, body: unknown) => request(`${base}/admin/api/v1${path}`, json(method, body, bearer(admin)));
      const servicePath = `/${id}-data`;
      assert.equal((await api('/scopes', 'POST', { name: 'data', services: [`${servicePath}/**`] })).status, 201);
      assert.equal((await api('/services', 'POST', { name: 'data', path_prefix: servicePath, upstream: upstreamUrl })).status, 201);
      assert.equal((await api('/settings', 'PATCH', { compat: { gam: true } })).status, 200);
      const password = `${id}-password-1`;
      const user = await api('/users', 'POST', { username: USERNAME, password });
      assert.equal(user.status, 201, JSON.stringify(user.body));
      const registered = await request(
        `${base}/oauth/register`,
        json('POST', { client_name: 'Same app', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token', 'password', 'client_credentials'], scope: 'openid data', refresh_token_limit: null, api_key_enabled: true }, bearer(admin)),
      );
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const app = { id: registered.body.client_id, secret: registered.body.client_secret, registrationToken: registered.body.registration_access_token };
      const key = await api(`/users/${user.body.id}/api-keys`, 'POST', { client_id: app.id });
      assert.equal(key.status, 201, JSON.stringify(key.body));
      const browser = new FormClient(base);
      const fixture: Fixture = { id, base, admin, app, password, apiKey: key.body.api_key, servicePath, browser };
      await signIn(browser, authorizeUrl(fixture, randomBytes(32).toString('base64url')), { username: USERNAME, password });
      return fixture;
    }

    before(async () => {
      upstream = http.createServer((req, res) => res.end('upstream'));
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
      server = await startServer(await database.create());
      gateway = await buildGateway(server.gh, { services: server.gh.services, matchers: server.gh.matchers, feedHealthy: () => server.gh.feed.healthy(5000) });
      await gateway.listen({ host: '127.0.0.1', port: 0 });
      gw = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
      rootAdmin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      assert.equal((await request(`${server.url}/admin/api/v1/settings`, json('PATCH', { compat: { gam: true } }, bearer(rootAdmin)))).status, 200);
      tenants.a = await provision('iso-a', upstreamUrl);
      tenants.b = await provision('iso-b', upstreamUrl);
    });
    after(async () => {
      await gateway?.close();
      await server?.close();
      upstream?.closeAllConnections();
      await new Promise((resolve) => upstream?.close(resolve));
    });

    for (const [kind, target, attempt] of matrix) {
      test(`${kind} → ${target}: accepted in its own tenant, refused in the other`, async () => {
        for (const [from, to] of [['a', 'b'], ['b', 'a']] as const) {
          assert.equal(await attempt(tenants[from], tenants[from]), true, `control: ${kind} of ${from} at ${target} of ${from}`);
          assert.equal(await attempt(tenants[from], tenants[to]), false, `${kind} of ${from} at ${target} of ${to}`);
        }
      });
    }

    test('the default tenant’s admin administers both tenants', async () => {
      for (const t of Object.values(tenants)) assert.equal((await request(`${t.base}/admin/api/v1/clients`, { headers: bearer(rootAdmin) })).status, 200, t.id);
      assert.equal((await request(`${server.url}/admin/api/v1/tenants`, { headers: bearer(tenants.a.admin) })).status, 403);
      // Another tenant's admin token is a valid token of the wrong tenant: 403, not 401 (INTERFACE.md).
      assert.equal((await request(`${tenants.b.base}/admin/api/v1/clients`, { headers: bearer(tenants.a.admin) })).status, 403);
    });

    test('per-tenant state is loaded on first use, never for invented ids, and dropped with its tenant', async () => {
      for (const id of ['ghost-1', 'ghost-2']) assert.equal((await request(`${server.url}/t/${id}/oauth/jwks`)).status, 404);
      assert.deepEqual(server.gh.tenants.loadedTenants().filter((id) => id.startsWith('ghost-')), [], 'unknown ids are not cached');
      const created = await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id: 'iso-lazy' }, bearer(rootAdmin)));
      assert.equal(created.status, 201);
      assert.equal(server.gh.keys.loadedTenants().includes('iso-lazy'), false, 'no keys loaded before the tenant is used');
      // The first use makes the tenant's first key, whose event drops that load; the next one keeps it.
      for (let i = 0; i < 2; i++) assert.equal((await request(`${server.url}/t/iso-lazy/oauth/jwks`)).status, 200);
      assert.equal(server.gh.keys.loadedTenants().includes('iso-lazy'), true);
      assert.equal((await request(`${server.url}/admin/api/v1/tenants/iso-lazy`, { method: 'DELETE', headers: bearer(rootAdmin) })).status, 204);
      assert.equal(server.gh.keys.loadedTenants().includes('iso-lazy'), false, 'dropped with the tenant');
      assert.equal(server.gh.tenants.loadedTenants().includes('iso-lazy'), false);
    });

    test('deleting a tenant invalidates its tokens everywhere at once', async () => {
      const doomed = await provision('iso-doomed', `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
      const access = await clientCredentialsToken(doomed.base, doomed.app.id, doomed.app.secret, 'data');
      const { refresh_token: refresh } = await userToken(doomed);
      assert.equal((await request(`${gw}${doomed.servicePath}/x`, { headers: bearer(access) })).status, 200);
      assert.equal((await request(`${server.url}/admin/api/v1/tenants/${doomed.id}`, { method: 'DELETE', headers: bearer(rootAdmin) })).status, 204);
      // The change feed reaches the gateway asynchronously on other nodes; here a generous deadline.
      const deadline = Date.now() + 10_000;
      let status = 200;
      while (Date.now() < deadline && (status = (await request(`${gw}${doomed.servicePath}/x`, { headers: bearer(access) })).status) === 200) await new Promise((r) => setTimeout(r, 100));
      assert.notEqual(status, 200, 'the gateway refuses the deleted tenant’s token');
      assert.equal((await request(`${doomed.base}/admin/api/v1/clients`, { headers: bearer(doomed.admin) })).status, 404);
      assert.equal((await request(`${doomed.base}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: refresh }, { authorization: basic(doomed.app.id, doomed.app.secret) }))).status, 404);
      for (const t of Object.values(tenants)) assert.equal(await introspect(t, access), false, `introspected at ${t.id}`);
      assert.equal((await request(`${gw}${tenants.a.servicePath}/x`, { headers: bearer(await clientCredentialsToken(tenants.a.base, tenants.a.app.id, tenants.a.app.secret, 'data')) })).status, 200, 'other tenants unaffected');
    });
  });
}
