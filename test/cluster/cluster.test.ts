/**
 * Two Gatehouse nodes on one PostgreSQL behind nginx, started together by scripts/cluster.mjs
 * (what `npm run cluster` runs, with deploy/nginx.conf). Consecutive requests of every flow land on
 * different nodes: addressed directly, alternating, and through nginx, which balances round-robin.
 * Changes made through one node reach the other through the change feed (LISTEN/NOTIFY), so checks
 * of the other node poll up to a deadline; nothing here measures time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { findNginx, startCluster, type Cluster, type ClusterNode } from '../../scripts/cluster.mjs';
import { testDatabases } from '../helpers/databases.js';
import { within } from '../helpers/deadline.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { FormClient, signIn } from '../helpers/forms.js';
import { s256 } from '../../src/oauth/pkce.js';
import { signInAcross } from './sign-in-across.js';

const REDIRECT = 'https://app.example/cb';
/** The deadline for a change made through one node to show on the other. */
const PROPAGATION_MS = 10_000;
const ALICE = { username: 'alice', password: 'alice-password-1' };



const postgres = testDatabases().find((d) => d.name === 'postgres'); // throws under CI without PostgreSQL
const nginxMissing = !findNginx() && !process.env.CI;
const skip = nginxMissing ? 'nginx is not installed (apt-get install nginx; CI installs it)' : postgres ? false : 'GATEHOUSE_TEST_POSTGRES_URL is not set';

describe('two nodes on PostgreSQL behind nginx', { skip }, () => {
  let cluster: Cluster;
  let a: ClusterNode;
  let b: ClusterNode;
  let upstream: http.Server;
  let adminToken: string;
  let web: { id: string; secret: string };
  let machine: { id: string; secret: string };
  let aliceId: string;

  const adminApi = (base: string, path: string, init?: RequestInit) => request(`${base}/admin/api/v1${path}`, init);
  const tokenRequest = (base: string, params: Record<string, string>, client = web) => request(`${base}/oauth/token`, form(params, { authorization: basic(client.id, client.secret) }));
  const atGateway = async (gateway: string, token: string | undefined, path = '/things/1') => {
    const response = await request(`${gateway}${path}`, { headers: token ? bearer(token) : {} });
    return { status: response.status, body: response.body, challenge: response.headers.get('www-authenticate') ?? '' };
  };
  /** The tenant's settings as `node` sees them (its cache follows the change feed). */
  const settingsOn = async (node: { url: string }) => (await adminApi(node.url, '/settings', { headers: bearer(adminToken) })).body;

  async function createClient(metadata: Record<string, unknown>) {
    const created = await adminApi(a.url, '/clients', json('POST', metadata, bearer(adminToken)));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { id: created.body.client_id as string, secret: created.body.client_secret as string };
  }

  async function authorizeUrl(origin: string) {
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL(`${origin}/oauth/authorize`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: web.id, redirect_uri: REDIRECT, state: 'st-1', scope: 'openid things', code_challenge: s256(verifier), code_challenge_method: 'S256' })) url.searchParams.set(k, v);
    return { url: url.toString(), verifier };
  }

  function codeFrom(back: URL): string {
    assert.equal(back.origin + back.pathname, REDIRECT, back.toString());
    assert.equal(back.searchParams.get('iss'), cluster.url, 'the issuer is nginx’s address');
    const code = back.searchParams.get('code');
    assert.ok(code, back.toString());
    return code;
  }

  before(async () => {
    upstream = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url, client: req.headers['x-gatehouse-client-id'] })));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));

    // One after the other here; the start of nodes together is the suite below.
    cluster = await startCluster({ source: 'src', start: 'sequential', databaseUrl: await postgres!.create() });
    [a, b] = cluster.nodes as [ClusterNode, ClusterNode];

    adminToken = await clientCredentialsToken(a.url, cluster.admin.clientId, cluster.admin.clientSecret);
    const scope = await adminApi(b.url, '/scopes', json('POST', { name: 'things', description: 'Things', services: ['/things/**'] }, bearer(adminToken)));
    assert.equal(scope.status, 201, JSON.stringify(scope.body));
    const service = await adminApi(a.url, '/services', json('POST', { name: 'things', path_prefix: '/things', upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` }, bearer(adminToken)));
    assert.equal(service.status, 201, JSON.stringify(service.body));
    const user = await adminApi(b.url, '/users', json('POST', { ...ALICE, email: 'alice@example.com' }, bearer(adminToken)));
    assert.equal(user.status, 201, JSON.stringify(user.body));
    aliceId = user.body.id;
    web = await createClient({ client_name: 'web', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token', 'password'], scope: 'openid things', refresh_token_limit: null });
    machine = await createClient({ client_name: 'machine', grant_types: ['client_credentials'], response_types: [], scope: 'things' });
  });

  after(async () => {
    await cluster?.stop();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  test('both nodes and nginx are ready; the issuer everywhere is nginx’s address', async () => {
    for (const base of [a.url, b.url, a.gatewayUrl, b.gatewayUrl, cluster.url, cluster.gatewayUrl]) assert.equal((await fetch(`${base}/readyz`)).status, 200, base);
    for (const base of [a.url, b.url, cluster.url]) assert.equal((await request(`${base}/.well-known/openid-configuration`)).body.issuer, cluster.url, base);
  });

  test('authorization code + PKCE: authorize, login, consent and exchange each on another node', async () => {
    const { url, verifier } = await authorizeUrl(a.url);
    const code = codeFrom(await signInAcross([a.url, b.url], url, ALICE));
    const tokens = await tokenRequest(b.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const userinfo = await request(`${a.url}/oauth/userinfo`, { headers: bearer(tokens.body.access_token) });
    assert.equal(userinfo.status, 200, JSON.stringify(userinfo.body));
    assert.equal(userinfo.body.sub, aliceId);
    // Replayed on the other node, the code is refused and what it issued is revoked (RFC 6749 §4.1.2).
    assert.equal((await tokenRequest(a.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier })).body.error, 'invalid_grant', 'the code is spent on the other node too');
    assert.ok(await within(PROPAGATION_MS, async () => (await atGateway(b.gatewayUrl, tokens.body.access_token)).status === 401), 'node B’s gateway refuses the tokens of the replayed code');
    assert.equal((await tokenRequest(b.url, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token })).body.error, 'invalid_grant');
  });

  test('authorization code + PKCE through nginx (round-robin spreads the steps over both nodes)', async () => {
    const { url, verifier } = await authorizeUrl(cluster.url);
    const code = codeFrom(await signIn(new FormClient(cluster.url), url, ALICE));
    const tokens = await tokenRequest(cluster.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal((await atGateway(cluster.gatewayUrl, tokens.body.access_token)).status, 200);
  });

  test('refresh rotation alternating between nodes; reuse of a rotated token ends the family on both', async () => {
    let current = (await tokenRequest(a.url, { grant_type: 'password', username: ALICE.username, password: ALICE.password, scope: 'things' })).body;
    assert.ok(current.refresh_token, JSON.stringify(current));
    const spent: string[] = [];
    for (const node of [b, a, b, a]) {
      const next = await tokenRequest(node.url, { grant_type: 'refresh_token', refresh_token: current.refresh_token });
      assert.equal(next.status, 200, `refresh on ${node.name}: ${JSON.stringify(next.body)}`);
      assert.notEqual(next.body.refresh_token, current.refresh_token, 'rotated');
      spent.push(current.refresh_token);
      current = next.body;
    }
    const reuse = await tokenRequest(b.url, { grant_type: 'refresh_token', refresh_token: spent[2]! });
    assert.equal(reuse.body.error, 'invalid_grant', 'a rotated refresh token is refused by the node that did not rotate it');
    assert.equal((await tokenRequest(a.url, { grant_type: 'refresh_token', refresh_token: current.refresh_token })).body.error, 'invalid_grant', 'and the family is ended');
    for (const node of [a, b]) assert.deepEqual((await request(`${node.url}/oauth/introspect`, form({ token: current.access_token }, { authorization: basic(cluster.admin.clientId, cluster.admin.clientSecret) }))).body, { active: false });
  });

  test('gateway: requests alternating between the nodes, and through nginx, decide alike', async () => {
    const token = await clientCredentialsToken(a.url, machine.id, machine.secret);
    for (let i = 0; i < 6; i++) {
      const node = i % 2 ? b : a;
      const answer = await atGateway(node.gatewayUrl, token, `/things/${i}`);
      assert.equal(answer.status, 200, `${node.name}: ${JSON.stringify(answer.body)}`);
      assert.deepEqual(answer.body, { url: `/things/${i}`, client: machine.id });
    }
    for (let i = 0; i < 4; i++) assert.equal((await atGateway(cluster.gatewayUrl, token)).status, 200, 'through nginx');
    for (const gateway of [a.gatewayUrl, b.gatewayUrl, cluster.gatewayUrl]) {
      const anonymous = await atGateway(gateway, undefined);
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.challenge, /^Bearer/);
    }
    // A scope without the service's pattern: the same 403 on each node.
    const other = await adminApi(a.url, '/scopes', json('POST', { name: 'elsewhere', description: 'Elsewhere', services: ['/elsewhere/**'] }, bearer(adminToken)));
    assert.equal(other.status, 201);
    const outsider = await createClient({ client_name: 'outsider', grant_types: ['client_credentials'], response_types: [], scope: 'elsewhere' });
    const outsiderToken = await clientCredentialsToken(b.url, outsider.id, outsider.secret);
    for (const gateway of [a.gatewayUrl, b.gatewayUrl]) {
      const refused = await atGateway(gateway, outsiderToken);
      assert.equal(refused.status, 403);
      assert.match(refused.challenge, /error="insufficient_scope"/);
    }
  });

  test('revocation through node A is refused by node B’s gateway, and through nginx', async () => {
    const token = await clientCredentialsToken(b.url, machine.id, machine.secret);
    assert.equal((await atGateway(b.gatewayUrl, token)).status, 200);
    const revoked = await request(`${a.url}/oauth/revoke`, form({ token }, { authorization: basic(machine.id, machine.secret) }));
    assert.equal(revoked.status, 200);
    assert.ok(await within(PROPAGATION_MS, async () => (await atGateway(b.gatewayUrl, token)).status === 401), `node B still accepts the revoked token after ${PROPAGATION_MS} ms`);
    const refused = await atGateway(b.gatewayUrl, token);
    assert.match(refused.challenge, /error="invalid_token"/);
    assert.equal((await atGateway(a.gatewayUrl, token)).status, 401);
    for (let i = 0; i < 4; i++) assert.equal((await atGateway(cluster.gatewayUrl, token)).status, 401, 'through nginx, whichever node answers');
  });

  test('lockout allows exactly lockout.max_failures failed attempts across both nodes', async () => {
    const patched = await adminApi(a.url, '/settings', json('PATCH', { lockout: { max_failures: 3, wait_increment_s: 60 } }, bearer(adminToken)));
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    try {
      assert.ok(await within(PROPAGATION_MS, async () => (await settingsOn(b)).lockout.max_failures === 3), 'node B learns the setting');
      const attempt = (node: ClusterNode, username: string, password: string) => tokenRequest(node.url, { grant_type: 'password', username, password, scope: 'things' });
      for (const username of ['carol', 'dave']) {
        assert.equal((await adminApi(b.url, '/users', json('POST', { username, password: `${username}-password-1` }, bearer(adminToken)))).status, 201);
      }
      // carol: three failures, alternating nodes, lock her out on both.
      const wrong = await attempt(a, 'carol', 'wrong-password');
      assert.equal(wrong.body.error, 'invalid_grant');
      await attempt(b, 'carol', 'wrong-password');
      await attempt(a, 'carol', 'wrong-password');
      for (const node of [b, a]) {
        const locked = await attempt(node, 'carol', 'carol-password-1');
        assert.equal(locked.status, wrong.status, `${node.name} refuses the right password after 3 failures`);
        assert.deepEqual(locked.body, wrong.body);
      }
      // dave: two failures on two nodes are one short of the limit.
      await attempt(a, 'dave', 'wrong-password');
      await attempt(b, 'dave', 'wrong-password');
      const allowed = await attempt(a, 'dave', 'dave-password-1');
      assert.equal(allowed.status, 200, `2 failures do not lock: ${JSON.stringify(allowed.body)}`);
    } finally {
      await adminApi(a.url, '/settings', json('PATCH', { lockout: { max_failures: 30 } }, bearer(adminToken)));
    }
  });

  test('rate limits allow exactly token_per_client_per_min requests across both nodes', async (t) => {
    const patched = await adminApi(a.url, '/settings', json('PATCH', { rate_limits: { token_per_client_per_min: 5 } }, bearer(adminToken)));
    if (patched.status === 400 || (await settingsOn(a)).rate_limits === undefined) {
      t.skip('the tenant setting rate_limits is not implemented yet (PATCH /settings ignored it)');
      return;
    }
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    try {
      assert.ok(await within(PROPAGATION_MS, async () => (await settingsOn(b)).rate_limits.token_per_client_per_min === 5), 'node B learns the setting');
      // Windows are fixed minutes: a run that straddles two is repeated, with a fresh client.
      for (let run = 0; ; run++) {
        const client = await createClient({ client_name: `limited-${run}`, grant_types: ['client_credentials'], response_types: [], scope: 'things' });
        const minute = Math.floor(Date.now() / 60_000);
        const answers = [];
        for (let i = 0; i < 10; i++) answers.push(await tokenRequest(i % 2 ? b.url : a.url, { grant_type: 'client_credentials' }, client));
        if (Math.floor(Date.now() / 60_000) !== minute && run < 2) continue;
        const statuses = answers.map((r) => r.status);
        assert.equal(statuses.filter((s) => s === 200).length, 5, `exactly 5 pass: ${statuses.join(' ')}`);
        assert.equal(statuses.filter((s) => s === 429).length, 5, `the other 5 are refused: ${statuses.join(' ')}`);
        for (const refused of answers.filter((r) => r.status === 429)) assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
        break;
      }
    } finally {
      await adminApi(a.url, '/settings', json('PATCH', { rate_limits: { token_per_client_per_min: 0 } }, bearer(adminToken)));
    }
  });

  test('a node stopped: nginx sends everything to the other; restarted, it serves again', async () => {
    await b.kill();
    for (let i = 0; i < 4; i++) {
      assert.equal((await request(`${cluster.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(machine.id, machine.secret) }))).status, 200, 'token through nginx');
    }
    await b.restart();
    const token = await clientCredentialsToken(b.url, machine.id, machine.secret);
    assert.equal((await atGateway(b.gatewayUrl, token)).status, 200);
  });
});

describe('nodes started together on an empty PostgreSQL database', { skip }, () => {
  test('both migrate (under the migrator’s lock) and bootstrap (a lost race is checked again), and serve', async () => {
    // Together they race for the migration lock and for creating the first-start rows.
    const cluster = await startCluster({ source: 'src', start: 'together', databaseUrl: await postgres!.create() });
    try {
      const token = await clientCredentialsToken(cluster.url, cluster.admin.clientId, cluster.admin.clientSecret);
      for (const node of cluster.nodes) assert.equal((await request(`${node.url}/admin/api/v1/settings`, { headers: bearer(token) })).status, 200, node.name);
    } finally {
      await cluster.stop();
    }
  });
});

describe('separate auth and gateway nodes behind nginx', { skip }, () => {
  test('the gateway node decides on tokens from the auth node; each answers only its own port', async () => {
    const cluster = await startCluster({ source: 'src', start: 'sequential', roles: ['auth', 'gateway'], databaseUrl: await postgres!.create() });
    try {
      const [auth, gateway] = cluster.nodes as [ClusterNode, ClusterNode];
      const token = await clientCredentialsToken(cluster.url, cluster.admin.clientId, cluster.admin.clientSecret);
      // The admin token has no service pattern: the gateway node decides on it (403), not 404 or 503.
      const created = await request(`${cluster.url}/admin/api/v1/services`, json('POST', { name: 'things', path_prefix: '/things', upstream: 'http://127.0.0.1:9' }, bearer(token)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.ok(await within(PROPAGATION_MS, async () => (await request(`${cluster.gatewayUrl}/things/1`, { headers: bearer(token) })).status === 403), 'the gateway node routes the service and refuses the scope');
      await assert.rejects(fetch(`${auth.gatewayUrl}/readyz`), 'the auth node has no gateway port');
      await assert.rejects(fetch(`${gateway.url}/readyz`), 'the gateway node has no OAuth port');
    } finally {
      await cluster.stop();
    }
  });
});
