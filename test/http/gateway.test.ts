/**
 * The gateway (INTERFACE.md "Gateway") over real HTTP: the auth app in this process, a gateway
 * built on the same Gatehouse instance, and an upstream in this test that echoes what it
 * received. Covers RFC 6750 answers, scope patterns, path attacks (which must never reach the
 * upstream), what the upstream receives, `Expect: 100-continue`, methods (forwarded or refused),
 * requests refused below the router, upstream failures, revocation taking effect at once, and the
 * services admin API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, freePort, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request, type JsonResponse } from '../helpers/oauth.js';
import { buildGateway } from '../../src/gateway/server.js';

interface Hit {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  bodyLength: number;
  bodySha256: string;
}

interface Upstream {
  server: http.Server;
  url: string;
  hits: Hit[];
  /** Bytes of the request body received so far on /orders/stream. */
  streamed: { bytes: number };
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const BIG_DOWNLOAD = Buffer.from(Array.from({ length: 2 * 1024 * 1024 }, (_, i) => (i * 31) % 251));

/** Echoes method, URL, headers and a digest of the body; /slow waits; a few routes for special cases. */
async function startUpstream(): Promise<Upstream> {
  const hits: Hit[] = [];
  const streamed = { bytes: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (req.url?.startsWith('/orders/stream')) streamed.bytes = length;
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const hit: Hit = { method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, bodyLength: body.length, bodySha256: sha256(body) };
      hits.push(hit);
      if (req.url!.startsWith('/slow')) {
        const timer = setTimeout(() => res.end('too late'), 5000);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      if (req.url === '/orders/hop') {
        res.writeHead(200, { connection: 'keep-alive, x-upstream-hop', 'x-upstream-hop': 'must-not-pass', 'x-upstream-other': 'passes', 'content-type': 'text/plain', 'content-length': '3' });
        res.end('hop');
        return;
      }
      if (req.url === '/catalog/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BIG_DOWNLOAD.length) });
        res.end(BIG_DOWNLOAD);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'echo' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ method: hit.method, url: hit.url, headers: hit.headers, body_length: hit.bodyLength, body_sha256: hit.bodySha256 }));
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, streamed };
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with the path exactly as given (fetch would resolve dot-segments before sending). */
function raw(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${method} ${path} within 10 s`)));
    req.end(body);
  });
}

/**
 * Bytes sent as they are, for requests no HTTP client would send (an unknown method, a broken
 * header, CONNECT): the answer is read up to the close of the connection.
 */
function exchange(port: number, text: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(text.slice(0, 40))} within 10 s`)));
    socket.on('close', () => {
      const answer = Buffer.concat(chunks).toString('utf8');
      const end = answer.indexOf('\r\n\r\n');
      const [statusLine = '', ...fields] = answer.slice(0, end).split('\r\n');
      const headers: http.IncomingHttpHeaders = {};
      for (const field of fields) headers[field.slice(0, field.indexOf(':')).toLowerCase()] = field.slice(field.indexOf(':') + 1).trim();
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: answer.slice(end + 4) });
    });
  });
}

/**
 * A POST with `Expect: 100-continue` that sends its body only once the gateway says 100 Continue,
 * as curl does for bodies over 1 MB: by length, or chunked (in two parts) when `chunked`.
 */
function expectingContinue(port: number, path: string, headers: Record<string, string>, body: Buffer, chunked: boolean): Promise<RawResponse & { continued: boolean }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const framing = chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) };
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, headers: { ...headers, ...framing, 'content-type': 'application/octet-stream', expect: '100-continue' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), continued });
        req.destroy();
      });
    });
    req.on('continue', () => {
      continued = true;
      if (chunked) req.write(body.subarray(0, body.length >> 1));
      req.end(chunked ? body.subarray(body.length >> 1) : body);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to POST ${path} within 10 s`)));
    req.flushHeaders();
  });
}

function assertProblem(response: RawResponse, status: number, label: string): { status: number; title: string; detail: string } {
  assert.equal(response.status, status, `${label}: ${response.status} ${response.body}`);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/, label);
  const problem = JSON.parse(response.body);
  assert.equal(problem.status, status, label);
  assert.equal(typeof problem.title, 'string', label);
  assert.equal(typeof problem.detail, 'string', label);
  return problem;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** RFC 6750 §3.1: no token (or another scheme) is 401 with a bare challenge, no error code. */
function assertBareChallenge(response: { status: number; headers: Headers }, label: string): void {
  assert.equal(response.status, 401, label);
  assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+"$/, label);
}

function assertChallenge(response: { status: number; headers: Headers }, status: number, error: string, label: string): string {
  assert.equal(response.status, status, label);
  const challenge = response.headers.get('www-authenticate') ?? '';
  assert.match(challenge, /^Bearer realm="[^"]+", error="[a-z_]+"/, `${label}: ${challenge}`);
  assert.match(challenge, new RegExp(`error="${error}"`), `${label}: ${challenge}`);
  return challenge;
}

for (const database of testDatabases()) {
  describe(`gateway on ${database.name}`, () => {
    let server: TestServer;
    let gateway: FastifyInstance;
    let gw: string;
    let gwPort: number;
    let upstream: Upstream;
    /** Answers every request with bytes that are not HTTP. */
    let garbled: net.Server;
    let admin: string;
    const clients: Record<string, { id: string; secret: string }> = {};
    let machineToken: string;
    let readerToken: string;
    let expiring: string;

    const adminApi = (path: string, init: RequestInit = {}, tenant = '') => request(`${server.url}${tenant}/admin/api/v1${path}`, init);
    const call = (path: string, token?: string, init: RequestInit = {}) =>
      request(`${gw}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), ...(token ? bearer(token) : {}) } });
    async function createClient(name: string, body: Record<string, unknown>, tenant = ''): Promise<{ id: string; secret: string }> {
      const created = await adminApi('/clients', json('POST', { client_name: name, grant_types: ['client_credentials'], response_types: [], ...body }, bearer(admin)), tenant);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return { id: created.body.client_id, secret: created.body.client_secret };
    }
    const tokenFor = (name: string, scope?: string) => clientCredentialsToken(server.url, clients[name]!.id, clients[name]!.secret, scope);

    before(async () => {
      upstream = await startUpstream();
      garbled = net.createServer((socket) => socket.once('data', () => socket.end('this is not HTTP\r\n\r\n')));
      await new Promise<void>((resolve) => garbled.listen(0, '127.0.0.1', resolve));
      server = await startServer(await database.create());
      gateway = await buildGateway(server.gh, { services: server.gh.services, matchers: server.gh.matchers, feedHealthy: () => server.gh.feed.healthy(5000) });
      await gateway.listen({ host: '127.0.0.1', port: 0 });
      gwPort = (gateway.server.address() as AddressInfo).port;
      gw = `http://127.0.0.1:${gwPort}`;
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);

      const scopes = [
        { name: 'orders.read', description: 'Read orders', services: ['GET,HEAD /orders/*', 'GET,HEAD /orders/*/items'] },
        { name: 'orders.write', description: 'Change orders', services: ['POST,PUT,PATCH,DELETE /orders/**'] },
        { name: 'catalog', description: 'The catalog', services: ['/catalog/**'] },
        { name: 'reports', description: 'Reports', services: ['GET /reports/summary', 'GET /reports/daily/*'] },
        { name: 'ops', description: 'Slow, down, garbled and pass-through services', services: ['/slow/**', '/down/**', '/garbled/**', '/passthru/**'] },
      ];
      for (const scope of scopes) assert.equal((await adminApi('/scopes', json('POST', scope, bearer(admin)))).status, 201, scope.name);
      const closedPort = await freePort();
      const services = [
        { name: 'orders', path_prefix: '/orders', upstream: upstream.url },
        { name: 'catalog', path_prefix: '/catalog', upstream: upstream.url },
        { name: 'reports', path_prefix: '/reports', upstream: upstream.url },
        { name: 'slow', path_prefix: '/slow', upstream: upstream.url, timeout_ms: 300 },
        { name: 'down', path_prefix: '/down', upstream: `http://127.0.0.1:${closedPort}` },
        { name: 'garbled', path_prefix: '/garbled', upstream: `http://127.0.0.1:${(garbled.address() as AddressInfo).port}` },
        { name: 'passthru', path_prefix: '/passthru', upstream: upstream.url, pass_token: true },
      ];
      for (const service of services) {
        const created = await adminApi('/services', json('POST', service, bearer(admin)));
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(created.body.pass_token, service.pass_token ?? false);
      }
      clients.machine = await createClient('Machine', { scope: 'orders.read orders.write catalog ops' });
      clients.reader = await createClient('Reader', { scope: 'orders.read' });
      clients.reporter = await createClient('Reporter', { scope: 'reports' });
      clients.shortlived = await createClient('Shortlived', { scope: 'orders.read', access_token_lifetime: 1 });
      clients.web = await createClient('Web', { grant_types: ['password'], scope: 'openid orders.read' });
      const user = await adminApi('/users', json('POST', { username: 'alice', password: 'alice-password-1' }, bearer(admin)));
      assert.equal(user.status, 201, JSON.stringify(user.body));
      machineToken = await tokenFor('machine');
      readerToken = await tokenFor('reader');
      expiring = await tokenFor('shortlived');
    });

    after(async () => {
      await gateway?.close();
      await server?.close();
      upstream?.server.closeAllConnections();
      await new Promise((resolve) => upstream?.server.close(resolve));
      await new Promise((resolve) => garbled?.close(resolve));
    });

    test('a valid token reaches the upstream; health endpoints on the gateway port', async () => {
      const response = await call('/orders/42', machineToken);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.url, '/orders/42');
      assert.equal(response.headers.get('x-upstream'), 'echo');
      assert.equal((await request(`${gw}/healthz`)).status, 200);
      assert.equal((await request(`${gw}/readyz`)).status, 200);
    });

    test('a staleness bound shorter than the feed’s default poll interval: a connected node stays ready', async () => {
      // GATEHOUSE_FEED_STALE_MS may be as low as 100 ms; the feed must poll often enough for it.
      const strict = await buildGateway(server.gh, { services: server.gh.services, matchers: server.gh.matchers, feedHealthy: () => server.gh.feed.healthy(200) });
      await strict.listen({ host: '127.0.0.1', port: 0 });
      try {
        const url = `http://127.0.0.1:${(strict.server.address() as AddressInfo).port}`;
        const statuses = new Map<number, number>();
        const until = Date.now() + 1500;
        while (Date.now() < until) {
          const status = (await request(`${url}/readyz`)).status;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          await sleep(10);
        }
        assert.deepEqual([...statuses.keys()], [200], `readyz answers: ${JSON.stringify(Object.fromEntries(statuses))}`);
      } finally {
        await strict.close();
      }
    });

    describe('RFC 6750 answers', () => {
      test('no token → 401 with a bare Bearer challenge (no error attribute); the upstream is not called', async () => {
        const hits = upstream.hits.length;
        for (const [method, path] of [
          ['GET', '/orders/42'],
          ['POST', '/orders/42'],
          ['GET', '/catalog'],
        ] as const) {
          const response = await call(path, undefined, { method });
          assert.equal(response.status, 401, `${method} ${path}`);
          assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+"$/);
          assert.doesNotMatch(response.headers.get('www-authenticate') ?? '', /error=/);
          assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
          assert.equal(response.body.status, 401);
        }
        assert.equal(upstream.hits.length, hits);
      });

      test('malformed, tampered and unsigned tokens → 401 invalid_token', async () => {
        const [header, payload, signature] = machineToken.split('.') as [string, string, string];
        const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
        const claims = { ...decodeJwt(machineToken) };
        const forgedPayload = Buffer.from(JSON.stringify({ ...claims, scope: 'orders.read orders.write catalog ops reports' })).toString('base64url');
        const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
        const cases: [string, string][] = [
          ['not a JWT', 'not-a-jwt'],
          ['three garbage parts', 'aaaa.bbbb.cccc'],
          ['tampered signature', `${header}.${payload}.${flipped}`],
          ['tampered payload (more scopes)', `${header}.${forgedPayload}.${signature}`],
          ['alg none', none],
        ];
        const hits = upstream.hits.length;
        for (const [label, token] of cases) {
          const response = await call('/orders/42', token);
          assertChallenge(response, 401, 'invalid_token', label);
          assert.equal(response.body.status, 401);
        }
        assert.equal(upstream.hits.length, hits);
      });

      test('an expired token → 401 invalid_token', async () => {
        const valid = await call('/orders/42', expiring);
        const exp = decodeJwt(expiring).exp!;
        // Accepted while it lives (unless this machine was slow enough that it already died).
        if (Date.now() < exp * 1000 - 100) assert.equal(valid.status, 200);
        await sleep(Math.max(0, exp * 1000 - Date.now() + 50));
        const response = await call('/orders/42', expiring);
        assertChallenge(response, 401, 'invalid_token', 'expired');
        assert.match(response.body.detail, /expired/);
      });

      test('a revoked token → 401 invalid_token', async () => {
        const token = await tokenFor('reader');
        assert.equal((await call('/orders/42', token)).status, 200);
        const revoked = await request(`${server.url}/oauth/revoke`, form({ token }, { authorization: basic(clients.reader!.id, clients.reader!.secret) }));
        assert.equal(revoked.status, 200);
        assertChallenge(await call('/orders/42', token), 401, 'invalid_token', 'revoked');
      });

      test('an ID token (password grant with openid) → 401 invalid_token; its access token passes', async () => {
        const tokens = await request(`${server.url}/oauth/token`, form({ grant_type: 'password', username: 'alice', password: 'alice-password-1', scope: 'openid orders.read' }, { authorization: basic(clients.web!.id, clients.web!.secret) }));
        assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
        assert.equal(typeof tokens.body.id_token, 'string');
        assertChallenge(await call('/orders/42', tokens.body.id_token), 401, 'invalid_token', 'id_token');
        const ok = await call('/orders/42', tokens.body.access_token);
        assert.equal(ok.status, 200);
        const sub = decodeJwt(tokens.body.access_token).sub;
        assert.notEqual(sub, clients.web!.id);
        assert.equal(ok.body.headers['x-gatehouse-subject'], sub, 'the subject is the user');
        assert.equal(ok.body.headers['x-gatehouse-client-id'], clients.web!.id);
      });

      test('another tenant’s token → 401 invalid_token, both ways', async () => {
        const tenant = await adminApi('/tenants', json('POST', { id: 'acme', name: 'Acme' }, bearer(admin)));
        assert.equal(tenant.status, 201, JSON.stringify(tenant.body));
        const scope = await adminApi('/scopes', json('POST', { name: 'acme.all', description: 'Acme', services: ['/acme/**', '/orders/**'] }, bearer(admin)), '/t/acme');
        assert.equal(scope.status, 201, JSON.stringify(scope.body));
        const service = await adminApi('/services', json('POST', { name: 'acme', path_prefix: '/acme', upstream: upstream.url }, bearer(admin)), '/t/acme');
        assert.equal(service.status, 201, JSON.stringify(service.body));
        const acme = await createClient('Acme machine', { scope: 'acme.all' }, '/t/acme');
        const acmeToken = await clientCredentialsToken(`${server.url}/t/acme`, acme.id, acme.secret);
        assert.equal(decodeJwt(acmeToken).iss, `${server.url}/t/acme`);
        assert.equal((await call('/acme/things', acmeToken)).status, 200, 'the tenant’s own token passes');
        assertChallenge(await call('/orders/42', acmeToken), 401, 'invalid_token', 'acme token at a default-tenant service');
        assertChallenge(await call('/acme/things', machineToken), 401, 'invalid_token', 'default token at an acme service');
        // path_prefix is unique across tenants
        const clash = await adminApi('/services', json('POST', { name: 'acme-orders', path_prefix: '/orders/acme', upstream: upstream.url }, bearer(admin)), '/t/acme');
        assert.equal(clash.status, 409, JSON.stringify(clash.body));
      });

      test('scope mismatch → 403 insufficient_scope naming the scope needed', async () => {
        const hits = upstream.hits.length;
        const response = await call('/orders/42', readerToken, { method: 'DELETE' });
        const challenge = assertChallenge(response, 403, 'insufficient_scope', 'DELETE with orders.read');
        assert.match(challenge, /scope="orders\.write"/);
        assert.equal(response.body.status, 403);
        const catalog = await call('/catalog/x', readerToken);
        assert.match(assertChallenge(catalog, 403, 'insufficient_scope', 'catalog with orders.read'), /scope="catalog"/);
        assert.equal(upstream.hits.length, hits);
      });

      test('a token in the query string is refused, with or without the header; a token in a form body is not read', async () => {
        const hits = upstream.hits.length;
        const inQuery = await call(`/orders/42?access_token=${machineToken}`);
        assertChallenge(inQuery, 400, 'invalid_request', 'query only');
        const both = await call(`/orders/42?access_token=${machineToken}`, machineToken);
        assertChallenge(both, 400, 'invalid_request', 'query and header');
        const inBody = await call('/orders/42', undefined, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ access_token: machineToken }).toString() });
        assert.equal(inBody.status, 401);
        assert.doesNotMatch(inBody.headers.get('www-authenticate') ?? '', /error=/);
        assert.equal(upstream.hits.length, hits);
      });

      test('Authorization: OAuth only while the tenant’s compat.oauth_scheme is on; the scheme name is case-insensitive', async () => {
        const oauth = { authorization: `OAuth ${machineToken}` };
        assertBareChallenge(await call('/orders/42', undefined, { headers: oauth }), 'OAuth scheme, option off');
        assert.equal((await call('/orders/42', undefined, { headers: { authorization: `bearer ${machineToken}` } })).status, 200);
        const on = await adminApi('/settings', json('PATCH', { compat: { oauth_scheme: true } }, bearer(admin)));
        assert.equal(on.status, 200, JSON.stringify(on.body));
        try {
          const accepted = await call('/orders/42', undefined, { headers: oauth });
          assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
          assert.equal(accepted.body.headers.authorization, undefined);
          assertChallenge(await call('/orders/42', undefined, { headers: { authorization: 'OAuth not-a-jwt' } }), 401, 'invalid_token', 'OAuth scheme, bad token');
        } finally {
          const off = await adminApi('/settings', json('PATCH', { compat: { oauth_scheme: false } }, bearer(admin)));
          assert.equal(off.status, 200);
        }
        assertBareChallenge(await call('/orders/42', undefined, { headers: oauth }), 'OAuth scheme, option off again');
      });
    });

    test('method-restricted patterns and one-segment wildcards', async () => {
      const cases: [string, string, number][] = [
        ['GET', '/orders/42', 200],
        ['HEAD', '/orders/42', 200],
        ['GET', '/orders/42/items', 200],
        ['HEAD', '/orders/42/items', 200],
        ['DELETE', '/orders/42', 403],
        ['POST', '/orders/42/items', 403],
        ['PUT', '/orders/42', 403],
        ['OPTIONS', '/orders/42', 403],
        ['GET', '/orders/42/43/items', 403],
        ['GET', '/orders', 403],
        ['GET', '/orders/42/items/7', 403],
      ];
      for (const [method, path, status] of cases) {
        const response = await raw(gwPort, method, path, bearer(readerToken));
        assert.equal(response.status, status, `${method} ${path} with orders.read: ${response.body}`);
      }
      // the writer may do what the reader may not
      for (const [method, path] of [
        ['DELETE', '/orders/42'],
        ['POST', '/orders/42/items'],
        ['POST', '/orders'],
      ]) {
        assert.equal((await raw(gwPort, method!, path!, bearer(machineToken))).status, 200, `${method} ${path} with orders.write`);
      }
    });

    test('encoded and dot-segment attacks answer 400 and never reach the upstream', async () => {
      const attacks = [
        '/orders/42/..%2F..%2Fadmin',
        '/orders/42%2Fitems',
        '/orders/42%2fitems',
        '/orders/%2e%2e/catalog/x',
        '/orders/%2E%2E/catalog/x',
        '/orders/.%2E/catalog/x',
        '/orders/%2e./catalog/x',
        '/orders/%2e/42',
        '/orders/../catalog/x',
        '/orders/./42',
        '/orders/42/..',
        '/catalog/..',
        '/orders\\..\\catalog',
        '/orders/42%5C..%5Ccatalog',
        '/orders/42%5c..%5ccatalog',
        '/orders/42%00',
        '/orders/42%00.json',
        '/orders/%zz',
        '/nowhere/../orders/42',
        '/%2e%2e/orders/42',
      ];
      const before = upstream.hits.length;
      for (const path of attacks) {
        for (const headers of [bearer(machineToken), {} as Record<string, string>]) {
          const response = await raw(gwPort, 'GET', path, headers);
          assert.equal(response.status, 400, `${path} (${headers.authorization ? 'with' : 'without'} a token): ${response.status} ${response.body}`);
        }
        const post = await raw(gwPort, 'POST', path, { ...bearer(machineToken), 'content-type': 'text/plain' }, Buffer.from('payload'));
        assert.equal(post.status, 400, `POST ${path}`);
      }
      assert.equal(upstream.hits.length, before, `upstream hits during the attacks: ${upstream.hits.slice(before).map((h) => h.url).join(' ')}`);
    });

    test('a path under no service → 404 (prefixes match whole segments)', async () => {
      for (const path of ['/nowhere', '/nowhere/1', '/order', '/ordersx/1', '/', '/catalogue/x']) {
        const response = await call(path, machineToken);
        assert.equal(response.status, 404, path);
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      }
      assert.equal((await call('/nowhere/1')).status, 404, 'without a token too');
    });

    describe('what the upstream receives', () => {
      test('identity headers set by the gateway; client copies, Authorization and hop-by-hop headers removed', async () => {
        const response = await raw(gwPort, 'GET', '/orders/42?x=1', {
          ...bearer(machineToken),
          'x-gatehouse-client-id': 'forged-client',
          'X-Gatehouse-Subject': 'forged-subject',
          'x-gatehouse-scope': 'admin',
          'x-gatehouse-tenant': 'forged-tenant',
          'X-Gatehouse-Roles': 'admin',
          connection: 'keep-alive, x-hop-custom',
          'x-hop-custom': 'must-not-pass',
          'keep-alive': 'timeout=5',
          'proxy-authorization': 'Basic Zm9vOmJhcg==',
          te: 'trailers',
          'x-request-id': 'req-123',
        });
        assert.equal(response.status, 200, response.body);
        const hit = upstream.hits.at(-1)!;
        assert.equal(hit.url, '/orders/42?x=1');
        assert.equal(hit.headers['x-gatehouse-client-id'], clients.machine!.id);
        assert.equal(hit.headers['x-gatehouse-subject'], clients.machine!.id, 'client_credentials: sub is the client');
        assert.equal(hit.headers['x-gatehouse-scope'], decodeJwt(machineToken).scope, 'the token’s scope');
        assert.deepEqual(String(hit.headers['x-gatehouse-scope']).split(' ').sort(), ['catalog', 'ops', 'orders.read', 'orders.write']);
        for (const name of ['x-gatehouse-client-id', 'x-gatehouse-subject', 'x-gatehouse-scope']) {
          assert.equal(hit.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === name).length, 1, `exactly one ${name}`);
        }
        // The whole x-gatehouse- namespace is the gateway's: no caller header in it gets through.
        for (const name of ['authorization', 'proxy-authorization', 'x-hop-custom', 'keep-alive', 'te', 'x-gatehouse-tenant', 'x-gatehouse-roles']) assert.equal(hit.headers[name], undefined, `${name} must not reach the upstream`);
        assert.equal(hit.headers['x-request-id'], 'req-123', 'end-to-end headers pass');
        assert.match(String(hit.headers['x-forwarded-for']), /127\.0\.0\.1/);
      });

      test('hop-by-hop headers of the upstream’s response are dropped too', async () => {
        const response = await raw(gwPort, 'GET', '/orders/hop', bearer(machineToken));
        assert.equal(response.status, 200);
        assert.equal(response.body, 'hop');
        assert.equal(response.headers['x-upstream-other'], 'passes');
        assert.equal(response.headers['x-upstream-hop'], undefined, 'a header named in the upstream’s Connection header is hop-by-hop');
        // The upstream framed its body by length: so does the gateway, rather than re-chunking it.
        assert.equal(response.headers['content-length'], '3');
        assert.equal(response.headers['transfer-encoding'], undefined);
        // A chunked one (the echo route writes its head before its body) stays chunked.
        const chunked = await raw(gwPort, 'GET', '/orders/42', bearer(machineToken));
        assert.equal(chunked.status, 200);
        assert.equal(chunked.headers['transfer-encoding'], 'chunked');
        assert.equal(chunked.headers['content-length'], undefined);
      });

      test('Authorization reaches the upstream only when the service sets pass_token', async () => {
        const response = await call('/passthru/x', machineToken);
        assert.equal(response.status, 200);
        assert.equal(response.body.headers.authorization, `Bearer ${machineToken}`);
        assert.equal(response.body.headers['x-gatehouse-client-id'], clients.machine!.id);
      });

      test('the path and query are forwarded as matched (normalised form), prefix included', async () => {
        const cases: [string, string][] = [
          ['/orders/42/items?b=2&a=1&c=%20x&c=y', '/orders/42/items?b=2&a=1&c=%20x&c=y'],
          ['/orders/42', '/orders/42'],
          ['//orders//42/', '/orders/42'],
          ['/%6Frders/%34%32', '/orders/42'],
          ['/orders/a%20b', '/orders/a%20b'],
        ];
        for (const [sent, received] of cases) {
          const response = await raw(gwPort, 'GET', sent, bearer(machineToken));
          assert.equal(response.status, 200, `${sent}: ${response.body}`);
          assert.equal(upstream.hits.at(-1)!.url, received, sent);
        }
      });

      test('a 1 MB request body arrives intact; a 2 MB response body comes back intact', async () => {
        const body = randomBytes(1024 * 1024);
        const response = await call('/orders/42', machineToken, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
        assert.equal(response.status, 200, JSON.stringify(response.body));
        assert.equal(response.body.body_length, body.length);
        assert.equal(response.body.body_sha256, sha256(body));
        assert.equal(response.body.headers['content-type'], 'application/octet-stream');
        assert.equal(response.body.headers['content-length'], String(body.length));
        const download = await fetch(`${gw}/catalog/big`, { headers: bearer(machineToken) });
        assert.equal(download.status, 200);
        assert.equal(download.headers.get('content-length'), String(BIG_DOWNLOAD.length));
        assert.equal(sha256(Buffer.from(await download.arrayBuffer())), sha256(BIG_DOWNLOAD));
      });

      test('the request body is streamed: the upstream sees the first chunk before the client sends the rest', async () => {
        upstream.streamed.bytes = 0;
        const first = randomBytes(64 * 1024);
        const rest = randomBytes(512 * 1024);
        let seenBeforeRest = -1;
        const done = new Promise<RawResponse>((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port: gwPort, method: 'PUT', path: '/orders/stream', headers: { ...bearer(machineToken), 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          });
          req.on('error', reject);
          req.write(first);
          void (async () => {
            // A deadline, not a timing assertion: the rest is sent once the upstream has bytes (or after 5 s, and the assertion below fails).
            const deadline = Date.now() + 5000;
            while (upstream.streamed.bytes === 0 && Date.now() < deadline) await sleep(10);
            seenBeforeRest = upstream.streamed.bytes;
            req.end(rest);
          })();
        });
        const response = await done;
        assert.ok(seenBeforeRest > 0 && seenBeforeRest <= first.length, `the upstream had ${seenBeforeRest} bytes before the rest was sent`);
        assert.equal(response.status, 200, response.body);
        const echoed = JSON.parse(response.body);
        assert.equal(echoed.body_length, first.length + rest.length);
        assert.equal(echoed.body_sha256, sha256(Buffer.concat([first, rest])));
      });

      test('Expect: 100-continue: the gateway says 100 once the request is allowed, and a body over 1 MB reaches the upstream whole', async () => {
        // curl sends the expectation for bodies over 1 MB and for chunked uploads.
        for (const chunked of [false, true]) {
          const label = chunked ? 'chunked' : 'by length';
          const body = randomBytes(1536 * 1024);
          const response = await expectingContinue(gwPort, '/orders/upload', bearer(machineToken), body, chunked);
          assert.equal(response.status, 200, `${label}: ${response.body}`);
          assert.ok(response.continued, `${label}: the gateway answered 100 Continue`);
          const hit = upstream.hits.at(-1)!;
          assert.equal(hit.url, '/orders/upload', label);
          assert.equal(hit.bodyLength, body.length, label);
          assert.equal(hit.bodySha256, sha256(body), label);
          assert.equal(hit.headers.expect, undefined, `${label}: the expectation is met by the gateway, not forwarded`);
        }
      });

      test('Expect: 100-continue on a refused request: the final answer comes without a 100, and the body is never sent', async () => {
        const hits = upstream.hits.length;
        const body = randomBytes(64 * 1024);
        for (const [label, path, token, status] of [
          ['no token', '/orders/upload', undefined, 401],
          ['scope refused', '/orders/upload', readerToken, 403],
          ['no service', '/nowhere/upload', machineToken, 404],
        ] as const) {
          const response = await expectingContinue(gwPort, path, token ? bearer(token) : {}, body, false);
          assertProblem(response, status, label);
          assert.equal(response.continued, false, `${label}: no 100 Continue before a refusal`);
          assert.equal(response.headers.connection, 'close', `${label}: the unsent body cannot be told from a next request`);
        }
        assert.equal(upstream.hits.length, hits);
      });
    });

    describe('methods', () => {
      test('TRACE and CONNECT → 405 problem JSON listing the forwarded methods, token or not; the path checks come first', async () => {
        const hits = upstream.hits.length;
        for (const path of ['/orders/42', '/catalog/x']) {
          for (const headers of [bearer(machineToken), {} as Record<string, string>]) {
            const label = `TRACE ${path} ${headers.authorization ? 'with' : 'without'} a token`;
            const response = await raw(gwPort, 'TRACE', path, headers);
            const problem = assertProblem(response, 405, label);
            assert.doesNotMatch(response.body, new RegExp(machineToken.slice(-20)), `${label}: nothing of the request is echoed`);
            assert.match(problem.detail, /TRACE/);
            const allowed = String(response.headers.allow).split(', ');
            for (const method of ['GET', 'POST', 'PROPFIND', 'MKCOL']) assert.ok(allowed.includes(method), `${label}: Allow lists ${method}`);
            for (const method of ['TRACE', 'CONNECT']) assert.ok(!allowed.includes(method), `${label}: Allow does not list ${method}`);
          }
        }
        assertProblem(await raw(gwPort, 'TRACE', '/nowhere', bearer(machineToken)), 404, 'TRACE under no service');
        assertProblem(await raw(gwPort, 'TRACE', '/healthz'), 404, 'TRACE on a health endpoint');
        assertProblem(await raw(gwPort, 'TRACE', '/orders/../catalog/x', bearer(machineToken)), 400, 'TRACE on an unsafe path');
        const connect = await exchange(gwPort, `CONNECT 127.0.0.1:${new URL(upstream.url).port} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${machineToken}\r\n\r\n`);
        assert.match(assertProblem(connect, 405, 'CONNECT').detail, /CONNECT/);
        assert.ok(String(connect.headers.allow).includes('PROPFIND'), 'CONNECT: Allow');
        assert.equal(upstream.hits.length, hits, 'neither reaches the upstream');
      });

      test('extension methods (WebDAV) are forwarded, bodies included, when a scope pattern allows them', async () => {
        const propfind = Buffer.from('<?xml version="1.0"?><propfind xmlns="DAV:"><allprop/></propfind>');
        const cases: [string, string, Buffer | undefined][] = [
          ['PROPFIND', '/catalog/shelf', propfind],
          ['MKCOL', '/catalog/shelf/new', undefined],
          ['QUERY', '/catalog/search', Buffer.from('{"q":"x"}')],
        ];
        for (const [method, path, body] of cases) {
          const response = await raw(gwPort, method, path, { ...bearer(machineToken), ...(body ? { 'content-type': 'application/xml' } : {}) }, body);
          assert.equal(response.status, 200, `${method} ${path}: ${response.body}`);
          const hit = upstream.hits.at(-1)!;
          assert.equal(hit.method, method);
          assert.equal(hit.url, path);
          assert.equal(hit.bodySha256, sha256(body ?? ''), `${method}: the body arrives whole`);
          assert.equal(hit.headers['x-gatehouse-client-id'], clients.machine!.id);
        }
      });

      test('extension methods are checked like any other: refused by a pattern naming other methods, and without a token', async () => {
        const hits = upstream.hits.length;
        const refused = await call('/orders/42', readerToken, { method: 'PROPFIND' });
        assertChallenge(refused, 403, 'insufficient_scope', 'PROPFIND with GET,HEAD /orders/*');
        assert.match(refused.body.detail, /PROPFIND/);
        const anonymous = await raw(gwPort, 'PROPFIND', '/catalog/x');
        assertProblem(anonymous, 401, 'PROPFIND without a token');
        assert.equal(upstream.hits.length, hits);
      });
    });

    describe('requests refused below the router: problem JSON, never fastify’s or Node’s own shape', () => {
      test('an unknown method → 501; a malformed request → 400; oversized headers → 431; a target that is not a path → 400', async () => {
        const hits = upstream.hits.length;
        const auth = `Authorization: Bearer ${machineToken}\r\n`;
        const cases: [string, string, number][] = [
          ['unknown method', `FOO /orders/42 HTTP/1.1\r\nHost: x\r\n${auth}\r\n`, 501],
          ['lower-case method', `get /orders/42 HTTP/1.1\r\nHost: x\r\n${auth}\r\n`, 501],
          ['space in a header name', `GET /orders/42 HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n${auth}\r\n`, 400],
          ['not an HTTP version', `GET /orders/42 HTTQ/1.1\r\nHost: x\r\n${auth}\r\n`, 400],
          ['two content lengths', `POST /orders/42 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n${auth}\r\nab`, 400],
          ['oversized headers', `GET /orders/42 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n${auth}\r\n`, 431],
          ['asterisk-form target', `OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${auth}\r\n`, 400],
          ['QUERY without a content type', `QUERY /catalog/search HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n${auth}\r\nq`, 400],
          ['an expectation other than 100-continue', `POST /orders/42 HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 1\r\n${auth}\r\nx`, 417],
          // RFC 9112 §3.2.1: no fragment in a target; forwarded, it would become a path segment.
          ['a fragment in the target', `GET /orders/42#frag HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${auth}\r\n`, 400],
          // Which credential counts must not depend on header order.
          ['two Authorization headers', `GET /orders/42 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${auth}Authorization: Bearer other\r\n\r\n`, 400],
        ];
        for (const [label, text, status] of cases) {
          const response = await exchange(gwPort, text);
          assertProblem(response, status, label);
          assert.doesNotMatch(response.body, /statusCode|Route .* not found|FST_/, label);
        }
        assert.equal(upstream.hits.length, hits);
      });

      test('RFC 9112 §3.2.2: a target in absolute form is routed and forwarded by its path', async () => {
        const response = await exchange(gwPort, `GET http://gateway.example/orders/42?x=1 HTTP/1.1\r\nHost: gateway.example\r\nConnection: close\r\nAuthorization: Bearer ${machineToken}\r\n\r\n`);
        assert.equal(response.status, 200, response.body);
        assert.equal(upstream.hits.at(-1)!.url, '/orders/42?x=1');
      });

      test('a request arriving on an open connection while the gateway closes is served, then the connection closes: no 503 of fastify’s shape', async () => {
        const closing = await buildGateway(server.gh, { services: server.gh.services, matchers: server.gh.matchers, feedHealthy: () => true });
        await closing.listen({ host: '127.0.0.1', port: 0 });
        const auth = `Authorization: Bearer ${machineToken}\r\n`;
        const hits = upstream.hits.length;
        const socket = net.connect((closing.server.address() as AddressInfo).port, '127.0.0.1');
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        const ended = new Promise((resolve) => socket.on('close', resolve));
        // In flight until the service's 300 ms timeout: the server cannot finish closing before.
        socket.write(`GET /slow/x HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
        while (!upstream.hits.slice(hits).some((hit) => hit.url === '/slow/x')) await sleep(5);
        const closed = closing.close();
        while (closing.server.listening) await sleep(5);
        socket.write(`GET /orders/42 HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
        await ended;
        await closed;
        const answers = Buffer.concat(chunks).toString('utf8');
        assert.match(answers, /^HTTP\/1\.1 504 /, answers);
        const second = answers.slice(answers.indexOf('HTTP/1.1', 1));
        assert.match(second, /^HTTP\/1\.1 200 /, answers);
        assert.match(second, /\r\nconnection: close\r\n/i, answers);
        assert.doesNotMatch(answers, /statusCode/);
      });
    });

    describe('upstream failures', () => {
      test('an upstream slower than timeout_ms → 504 problem JSON', async () => {
        const response = await call('/slow/x', machineToken);
        assert.equal(response.status, 504);
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
        assert.equal(response.body.status, 504);
        assert.equal(typeof response.body.title, 'string');
      });

      test('connection refused → 502 problem JSON', async () => {
        const response = await call('/down/x', machineToken);
        assert.equal(response.status, 502);
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
        assert.equal(response.body.status, 502);
        assert.match(response.body.detail, /could not be reached/);
      });

      test('an upstream answering something that is not HTTP → 502 saying so, logged at error level without the query or the token', async () => {
        const lines: Record<string, unknown>[] = [];
        const sink = new Writable({
          write(chunk: Buffer, _encoding, done) {
            lines.push(JSON.parse(chunk.toString('utf8')));
            done();
          },
        });
        const logged = await buildGateway({ ...server.gh, log: pino({ level: 'warn' }, sink) }, { services: server.gh.services, matchers: server.gh.matchers, feedHealthy: () => true });
        await logged.listen({ host: '127.0.0.1', port: 0 });
        try {
          const port = (logged.server.address() as AddressInfo).port;
          const response = await raw(port, 'GET', '/garbled/x?api_key=query-secret', bearer(machineToken));
          const problem = assertProblem(response, 502, 'garbled upstream');
          assert.match(problem.detail, /garbled.*not valid HTTP/);
          assert.doesNotMatch(problem.detail, /could not be reached/);
          assert.equal(lines.length, 1, JSON.stringify(lines));
          const line = lines[0]!;
          assert.equal(line.level, 50, 'error level');
          assert.equal(line.service, 'garbled');
          assert.equal(line.path, '/garbled/x');
          assert.equal((line.error as { type: string }).type, 'HTTPParserError');
          assert.doesNotMatch(JSON.stringify(line), /query-secret|this is not HTTP/);
          assert.ok(!JSON.stringify(line).includes(machineToken.split('.')[2]!), 'no token in the log');

          // A caller hanging up mid-upload fails the forward too, and is no defect: not logged.
          upstream.streamed.bytes = 0;
          const upload = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/orders/stream', headers: { ...bearer(machineToken), 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }, agent: false });
          upload.on('error', () => {});
          upload.write(randomBytes(64 * 1024));
          const deadline = Date.now() + 5000;
          while (upstream.streamed.bytes === 0 && Date.now() < deadline) await sleep(10);
          upload.destroy();
          await sleep(200);
          assert.equal(lines.length, 1, JSON.stringify(lines.slice(1)));
        } finally {
          await logged.close();
        }
      });

    });

    describe('changes take effect at once', () => {
      test('revoking through /oauth/revoke and through DELETE /admin/api/v1/tokens/{id}', async () => {
        const a = await tokenFor('machine');
        const b = await tokenFor('machine');
        assert.equal((await call('/orders/42', a)).status, 200);
        assert.equal((await call('/orders/42', b)).status, 200);
        assert.equal((await request(`${server.url}/oauth/revoke`, form({ token: a }, { authorization: basic(clients.machine!.id, clients.machine!.secret) }))).status, 200);
        assertChallenge(await call('/orders/42', a), 401, 'invalid_token', 'revoked via /oauth/revoke');
        assert.equal((await call('/orders/42', b)).status, 200, 'the other token is untouched');
        const deleted = await adminApi(`/tokens/${decodeJwt(b).jti}`, { method: 'DELETE', headers: bearer(admin) });
        assert.ok(deleted.status === 204 || deleted.status === 200, `DELETE /tokens: ${deleted.status}`);
        assertChallenge(await call('/orders/42', b), 401, 'invalid_token', 'revoked via the admin API');
        assert.equal((await call('/orders/42', machineToken)).status, 200);
      });

      test('deactivating a client refuses its tokens; reactivating does not bring them back', async () => {
        clients.temp = await createClient('Temporary', { scope: 'orders.read' });
        const token = await tokenFor('temp');
        assert.equal((await call('/orders/42', token)).status, 200);
        const off = await adminApi(`/clients/${clients.temp.id}`, json('PATCH', { active: false }, bearer(admin)));
        assert.equal(off.status, 200, JSON.stringify(off.body));
        assertChallenge(await call('/orders/42', token), 401, 'invalid_token', 'client deactivated');
        const on = await adminApi(`/clients/${clients.temp.id}`, json('PATCH', { active: true }, bearer(admin)));
        assert.equal(on.status, 200);
        assertChallenge(await call('/orders/42', token), 401, 'invalid_token', 'client reactivated: the old token stays refused');
        assert.equal((await call('/orders/42', await tokenFor('temp'))).status, 200, 'a new token passes');
      });

      test('removing a pattern from a scope refuses the request at once; the remaining pattern still works', async () => {
        const token = await tokenFor('reporter');
        assert.equal((await call('/reports/summary', token)).status, 200);
        assert.equal((await call('/reports/daily/2024-01-01', token)).status, 200);
        const patched = await adminApi('/scopes/reports', json('PATCH', { services: ['GET /reports/daily/*'] }, bearer(admin)));
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
        assertChallenge(await call('/reports/summary', token), 403, 'insufficient_scope', 'pattern removed');
        assert.equal((await call('/reports/daily/2024-01-01', token)).status, 200);
      });

      test('a stored pattern the gateway cannot compile does not break the tenant’s other routes', async () => {
        const created = await adminApi('/scopes', json('POST', { name: 'broken', description: 'Encoded slash', services: ['/orders/%2F'] }, bearer(admin)));
        if (created.status === 400) return; // the validator refuses it (the better outcome)
        assert.equal(created.status, 201, JSON.stringify(created.body));
        try {
          const response = await call('/orders/42', machineToken);
          assert.equal(response.status, 200, `a valid request after storing an uncompilable pattern: ${response.status} ${JSON.stringify(response.body)}`);
        } finally {
          assert.equal((await adminApi('/scopes/broken', { method: 'DELETE', headers: bearer(admin) })).status, 204);
        }
      });
    });

    describe('services admin API', () => {
      const field = (response: JsonResponse, name: string) => (response.body.errors as { field: string }[] | undefined)?.some((e) => e.field === name) ?? false;

      test('overlapping prefixes and duplicate names → 409', async () => {
        for (const [name, prefix] of [
          ['orders-sub', '/orders/sub'],
          ['orders-again', '/orders'],
          ['root-of-catalog', '/catalog'],
          ['orders', '/fresh-prefix'],
        ]) {
          const response = await adminApi('/services', json('POST', { name, path_prefix: prefix, upstream: upstream.url }, bearer(admin)));
          assert.equal(response.status, 409, `${name} ${prefix}: ${JSON.stringify(response.body)}`);
          assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
        }
        // a prefix that only shares characters, not segments, is free
        const ok = await adminApi('/services', json('POST', { name: 'ordersx', path_prefix: '/ordersx', upstream: upstream.url }, bearer(admin)));
        assert.equal(ok.status, 201, JSON.stringify(ok.body));
        assert.equal((await adminApi('/services/ordersx', { method: 'DELETE', headers: bearer(admin) })).status, 204);
      });

      test('reserved and non-normal prefixes → 400 with a path_prefix field error', async () => {
        for (const prefix of ['/healthz', '/readyz', '/readyz/x', '/metrics', '/.well-known', '/', '/new/', '/a/../b', '/a%2Fb', '//new', 'new']) {
          const response = await adminApi('/services', json('POST', { name: 'reserved', path_prefix: prefix, upstream: upstream.url }, bearer(admin)));
          assert.equal(response.status, 400, `${prefix}: ${JSON.stringify(response.body)}`);
          assert.ok(field(response, 'path_prefix'), `${prefix}: ${JSON.stringify(response.body)}`);
        }
        const patched = await adminApi('/services/catalog', json('PATCH', { path_prefix: '/healthz' }, bearer(admin)));
        assert.equal(patched.status, 400);
        assert.ok(field(patched, 'path_prefix'));
      });

      test('bad upstreams → 400 with an upstream field error', async () => {
        for (const bad of ['ftp://127.0.0.1/x', 'not a url', '127.0.0.1:8080', 'http://user:pass@127.0.0.1:1', 'http://127.0.0.1:1/?q=1', 'http://127.0.0.1:1/#f', 'javascript:alert(1)']) {
          const response = await adminApi('/services', json('POST', { name: 'bad-upstream', path_prefix: '/bad-upstream', upstream: bad }, bearer(admin)));
          assert.equal(response.status, 400, `${bad}: ${JSON.stringify(response.body)}`);
          assert.ok(field(response, 'upstream'), `${bad}: ${JSON.stringify(response.body)}`);
        }
        const missing = await adminApi('/services', json('POST', { name: 'no-upstream', path_prefix: '/no-upstream' }, bearer(admin)));
        assert.equal(missing.status, 400);
        assert.ok(field(missing, 'upstream'));
      });
    });
  });
}
