/**
 * Two `gatehouse serve` nodes on one PostgreSQL database (INTERFACE.md "roles"; revocations
 * propagate by LISTEN/NOTIFY, DESIGN: a node cut off longer than GATEHOUSE_FEED_STALE_MS fails
 * closed). Node A takes the writes; node B's gateway must refuse what A revoked or deactivated.
 * Then B is cut off from the feed, twice: its LISTEN connection alone (killed, and reconnection
 * refused while its pool stays connected, so only the listener's disconnection makes it
 * unhealthy), and the whole database (every connection of B dropped, so B really misses the
 * revocations and must catch up). Both times B answers 503 past the bound and, once reconnected,
 * refuses every token revoked meanwhile.
 *
 * B reaches PostgreSQL through a loopback TCP proxy in this test (same server, same database, same
 * user): that is what lets the test refuse B's new connections, or drop them all, without touching
 * node A. Waits are deadlines (poll until true or give up), never timed assertions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { testDatabases } from '../helpers/databases.js';
import { baseEnv, freePort, spawnServer, ADMIN_ID, ADMIN_SECRET, type ChildServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { forEachConcurrent } from '../helpers/load.js';
import { sleep, within } from '../helpers/deadline.js';

const STALE_MS = 1000;
/** How long each cut-off lasts: well past the bound. */
const CUT_MS = 2500;
/** The deadline for a change on A to show on B. */
const PROPAGATION_MS = 5000;

/** A TCP proxy to PostgreSQL for node B: it can refuse new connections, or drop all of them. */
class PgProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  refuseNew = false;
  accepted = 0;

  constructor(target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      if (this.refuseNew) {
        client.destroy();
        return;
      }
      this.accepted++;
      const upstream = net.connect(target.port, target.host);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Drops every open connection and refuses new ones. */
  cutAll(): void {
    this.refuseNew = true;
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const databases = testDatabases(); // throws under CI=true without GATEHOUSE_TEST_POSTGRES_URL
const postgres = databases.find((d) => d.name === 'postgres');

describe('two nodes on one PostgreSQL', { skip: postgres ? false : 'GATEHOUSE_TEST_POSTGRES_URL is not set' }, () => {
  const children: ChildServer[] = [];
  let admin: pg.Client;
  let proxy: PgProxy;
  let upstream: http.Server;
  let databaseName: string;
  let a: { url: string; gateway: string; port: number };
  let b: { url: string; gateway: string; port: number; child: ChildServer };
  let adminToken: string;
  const clients: Record<string, { id: string; secret: string }> = {};

  const tokenFor = (name: string) => clientCredentialsToken(a.url, clients[name]!.id, clients[name]!.secret);
  // One retry on a connection error: a keep-alive socket the server closed at the same moment is
  // not an answer. A node that is down fails the retry too.
  const atGateway = async (gateway: string, token: string): Promise<number> => {
    const once = async () => (await fetch(`${gateway}/things/1`, { headers: bearer(token) })).status;
    try {
      return await once();
    } catch {
      return once();
    }
  };
  const listenerPids = async (port: number) =>
    (await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and application_name = $2', [databaseName, `gatehouse-listener-${port}`])).rows.map((r) => r.pid);

  /** Polls B's gateway with `probe` (a live token) every 50 ms for `ms`: what B answered, and when. */
  async function observe(gateway: string, probe: string, ms: number): Promise<{ at: number; status: number }[]> {
    const start = Date.now();
    const seen: { at: number; status: number }[] = [];
    while (Date.now() - start < ms) {
      const at = Date.now() - start;
      seen.push({ at, status: await atGateway(gateway, probe) });
      await sleep(50);
    }
    return seen;
  }

  async function revokeAll(tokens: string[]): Promise<void> {
    const owner = clients.machine!;
    await forEachConcurrent(tokens, 4, async (token) => {
      const response = await request(`${a.url}/oauth/revoke`, form({ token }, { authorization: basic(owner.id, owner.secret) }));
      assert.equal(response.status, 200, `revocation through node A: ${response.status}`);
    });
  }

  async function issue(count: number): Promise<string[]> {
    const tokens: string[] = [];
    await forEachConcurrent(Array.from({ length: count }, (_, i) => i), 8, async () => void tokens.push(await tokenFor('machine')));
    return tokens;
  }

  /** Every token answered 401 invalid_token by B within the deadline; returns those that were not. */
  async function notRefusedByB(tokens: string[]): Promise<{ last: number }[]> {
    const pending = new Map(tokens.map((token) => [token, 0]));
    await within(PROPAGATION_MS, async () => {
      await forEachConcurrent([...pending.keys()], 8, async (token) => {
        const response = await fetch(`${b.gateway}/things/1`, { headers: bearer(token) });
        await response.arrayBuffer();
        if (response.status === 401 && /error="invalid_token"/.test(response.headers.get('www-authenticate') ?? '')) pending.delete(token);
        else pending.set(token, response.status);
      });
      return pending.size === 0;
    });
    return [...pending.values()].map((last) => ({ last }));
  }

  before(async () => {
    const url = await postgres!.create();
    const parsed = new URL(url);
    databaseName = parsed.pathname.slice(1);
    admin = new pg.Client({ connectionString: process.env.GATEHOUSE_TEST_POSTGRES_URL });
    await admin.connect();
    proxy = new PgProxy({ host: parsed.hostname, port: Number(parsed.port || 5432) });
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(await proxy.listen());

    upstream = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url, client: req.headers['x-gatehouse-client-id'] })));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

    // One environment for both nodes (same secret key, same issuer); only the ports differ.
    const [portA, gatewayA, portB, gatewayB] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const issuer = `http://127.0.0.1:${portA}`;
    const env = baseEnv(url, { GATEHOUSE_FEED_STALE_MS: String(STALE_MS), GATEHOUSE_ISSUER: issuer });
    const nodeA = await spawnServer({ ...env, PORT: String(portA), GATEWAY_PORT: String(gatewayA) });
    children.push(nodeA);
    a = { url: issuer, gateway: `http://127.0.0.1:${gatewayA}`, port: portA };
    // spawnServer waits on the issuer's /readyz, which is A's: B's readiness is awaited below.
    const nodeB = await spawnServer({ ...env, GATEHOUSE_DATABASE_URL: proxied.toString(), PORT: String(portB), GATEWAY_PORT: String(gatewayB) });
    children.push(nodeB);
    b = { url: `http://127.0.0.1:${portB}`, gateway: `http://127.0.0.1:${gatewayB}`, port: portB, child: nodeB };
    const ready = await within(60_000, async () => {
      try {
        return (await fetch(`${b.url}/readyz`)).status === 200 && (await fetch(`${b.gateway}/readyz`)).status === 200;
      } catch {
        return false;
      }
    });
    assert.ok(ready, `node B did not become ready:\n${nodeB.output().slice(-2000)}`);

    adminToken = await clientCredentialsToken(a.url, ADMIN_ID, ADMIN_SECRET);
    const adminApi = (path: string, init: RequestInit) => request(`${a.url}/admin/api/v1${path}`, init);
    assert.equal((await adminApi('/scopes', json('POST', { name: 'things', description: 'Things', services: ['/things/**'] }, bearer(adminToken)))).status, 201);
    assert.equal((await adminApi('/services', json('POST', { name: 'things', path_prefix: '/things', upstream: upstreamUrl }, bearer(adminToken)))).status, 201);
    for (const name of ['machine', 'victim']) {
      const created = await adminApi('/clients', json('POST', { client_name: name, grant_types: ['client_credentials'], response_types: [], scope: 'things' }, bearer(adminToken)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      clients[name] = { id: created.body.client_id, secret: created.body.client_secret };
    }
    // B learns the new service and scope through the feed.
    const probe = await tokenFor('machine');
    assert.ok(await within(PROPAGATION_MS, async () => (await atGateway(b.gateway, probe)) === 200), 'node B routes the service created through node A');
  });

  after(async () => {
    for (const child of children) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill('SIGKILL');
        await child.exited;
      }
    }
    await proxy?.close();
    await admin?.end().catch(() => {});
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  test('both listeners are connected, named by node', async () => {
    assert.equal((await listenerPids(a.port)).length, 1, 'node A listens');
    assert.equal((await listenerPids(b.port)).length, 1, 'node B listens');
  });

  test('a token revoked through node A’s /oauth/revoke is refused by node B’s gateway', async () => {
    const token = await tokenFor('machine');
    assert.equal(await atGateway(b.gateway, token), 200);
    const revoked = await request(`${a.url}/oauth/revoke`, form({ token }, { authorization: basic(clients.machine!.id, clients.machine!.secret) }));
    assert.equal(revoked.status, 200);
    const started = Date.now();
    assert.ok(await within(PROPAGATION_MS, async () => (await atGateway(b.gateway, token)) === 401), `node B still accepts the revoked token after ${PROPAGATION_MS} ms`);
    console.log(`# revocation seen by node B after ${Date.now() - started} ms`);
    assert.equal(await atGateway(a.gateway, token), 401, 'and node A refuses it too');
  });

  test('a client deactivated through node A’s admin API is refused by node B’s gateway', async () => {
    const token = await tokenFor('victim');
    assert.equal(await atGateway(b.gateway, token), 200);
    const patched = await request(`${a.url}/admin/api/v1/clients/${clients.victim!.id}`, json('PATCH', { active: false }, bearer(adminToken)));
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const started = Date.now();
    assert.ok(await within(PROPAGATION_MS, async () => (await atGateway(b.gateway, token)) === 401), `node B still accepts the deactivated client's token after ${PROPAGATION_MS} ms`);
    console.log(`# deactivation seen by node B after ${Date.now() - started} ms`);
  });

  test('LISTEN cut off past the bound: B answers 503; reconnected, it refuses the 100 tokens revoked meanwhile', async () => {
    const tokens = await issue(100);
    const probe = await tokenFor('machine');
    for (const token of [...tokens, probe]) assert.equal(await atGateway(b.gateway, token), 200, 'B accepts the tokens before the cut');
    const [listener] = await listenerPids(b.port);
    assert.ok(listener, 'B’s listener backend');

    // B's pool keeps its connections (its poll goes on); its listener is killed, and killed again
    // should it ever get back in, while the proxy refuses B any new connection.
    proxy.refuseNew = true;
    const cutAt = Date.now();
    const terminator = (async () => {
      let killed = 0;
      while (Date.now() - cutAt < CUT_MS) {
        const result = await admin.query<{ killed: boolean }>('select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = $1 and application_name = $2', [databaseName, `gatehouse-listener-${b.port}`]);
        killed += result.rows.filter((r) => r.killed).length;
        await sleep(100);
      }
      return killed;
    })();
    let seenOnA: number[] = [];
    let seen: { at: number; status: number }[] = [];
    try {
      [seen] = await Promise.all([
        observe(b.gateway, probe, CUT_MS),
        revokeAll(tokens),
        (async () => {
          // Node A is not cut off: its gateway keeps deciding.
          await sleep(CUT_MS / 2);
          seenOnA = [await atGateway(a.gateway, probe), await atGateway(a.gateway, tokens[0]!)];
        })(),
      ]);
      assert.equal(await terminator, 1, 'B’s listener was killed once and never got back in during the cut');
    } finally {
      proxy.refuseNew = false;
    }
    const restoredAt = Date.now();
    console.log(`# B during the LISTEN cut: ${summarise(seen)}`);
    assert.ok(seen.every((o) => o.status === 200 || o.status === 503), `B answered only 200 or 503: ${summarise(seen)}`);
    const late = seen.filter((o) => o.at >= 2 * STALE_MS);
    assert.ok(late.length > 0 && late.every((o) => o.status === 503), `B fails closed (503) once cut off longer than the bound: ${summarise(seen)}`);
    assert.deepEqual(seenOnA, [200, 401], 'node A keeps answering: the probe passes, a revoked token is refused');

    const failures = await notRefusedByB(tokens);
    assert.deepEqual(failures, [], `${failures.length} of 100 revoked tokens not refused by B within ${PROPAGATION_MS} ms of the reconnection`);
    assert.equal(await atGateway(b.gateway, probe), 200, 'B serves again');
    console.log(`# B refused all 100 within ${Date.now() - restoredAt} ms of the reconnection`);
    assert.ok(await within(PROPAGATION_MS, async () => (await listenerPids(b.port)).length === 1), 'B’s listener is back');
  });

  test('B cut off from the database entirely: 503 past the bound; reconnected, it catches up on what it missed', async () => {
    const tokens = await issue(50);
    const probe = await tokenFor('machine');
    for (const token of [...tokens, probe]) assert.equal(await atGateway(b.gateway, token), 200, 'B accepts the tokens before the cut');
    proxy.cutAll();
    let seen: { at: number; status: number }[] = [];
    try {
      [seen] = await Promise.all([observe(b.gateway, probe, CUT_MS), revokeAll(tokens)]);
      // Nothing of B's reached the database while it was cut off.
      assert.deepEqual(await listenerPids(b.port), [], 'B had no listener during the cut');
    } finally {
      proxy.refuseNew = false;
    }
    const restoredAt = Date.now();
    console.log(`# B during the full cut: ${summarise(seen)}`);
    assert.ok(seen.every((o) => o.status === 200 || o.status === 503), `B answered only 200 or 503 (never 500): ${summarise(seen)}`);
    const late = seen.filter((o) => o.at >= 2 * STALE_MS);
    assert.ok(late.length > 0 && late.every((o) => o.status === 503), `B fails closed once cut off longer than the bound: ${summarise(seen)}`);

    const failures = await notRefusedByB(tokens);
    assert.deepEqual(failures, [], `${failures.length} of 50 revoked tokens not refused by B within ${PROPAGATION_MS} ms of the reconnection`);
    assert.equal(await atGateway(b.gateway, probe), 200, 'B serves again');
    console.log(`# B refused all 50 within ${Date.now() - restoredAt} ms of the reconnection`);
    assert.equal(b.child.process.exitCode, null, `node B survived the cut:\n${b.child.output().slice(-2000)}`);
    assert.equal((await fetch(`${b.gateway}/readyz`)).status, 200);
  });
});

function summarise(seen: { at: number; status: number }[]): string {
  const runs: string[] = [];
  for (const o of seen) {
    const last = runs.at(-1);
    if (last?.startsWith(`${o.status}@`)) continue;
    runs.push(`${o.status}@${o.at}ms`);
  }
  return `${seen.length} requests; status changes: ${runs.join(' → ')}`;
}
