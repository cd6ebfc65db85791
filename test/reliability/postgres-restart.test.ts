/**
 * PostgreSQL stopped and started again under mixed load (tokens, refresh chains, revocations,
 * introspection, the gateway). While it is down the authorization server answers 503 (never
 * invalid_grant or invalid_client, never a 500, never a dropped connection) and /readyz says 503;
 * the gateway serves from memory until its feed has been stale for GATEHOUSE_FEED_STALE_MS, then
 * answers 503 (docs/architecture.md). Once the database is back every node recovers by itself,
 * and every promise made before, during and after the outage holds (mixed-load.ts verifyLedger).
 *
 * The server gets a PostgreSQL of its own (scripts/postgres.mjs), so stopping it disturbs no
 * other suite. Waits are deadlines, never timed assertions.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPostgres, type ThrowAwayPostgresServer } from '../../scripts/postgres.mjs';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, baseEnv, freePort, spawnServer, type ChildServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { mixedLoad, prepareWorkload, tally, verifyLedger, type Workload } from './mixed-load.js';
import { sleep, within } from '../helpers/deadline.js';

const STALE_MS = 1000;
/** How long the database stays down: well past the gateway's staleness bound. */
const OUTAGE_MS = 3000;
const RECOVERY_DEADLINE_MS = 60_000;

const postgresAvailable = testDatabases().some((database) => database.name === 'postgres');

describe('PostgreSQL stopped and restarted under load', { skip: postgresAvailable ? false : 'GATEHOUSE_TEST_POSTGRES_URL is not set' }, () => {
  let pg: ThrowAwayPostgresServer;
  let server: ChildServer;
  let upstream: http.Server;
  let gateway: string;
  let workload: Workload;

  before(async () => {
    const started = await startPostgres({ port: await freePort() });
    assert.ok(started, 'PostgreSQL is installed');
    pg = started;
    upstream = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const [port, gatewayPort] = [await freePort(), await freePort()];
    gateway = `http://127.0.0.1:${gatewayPort}`;
    server = await spawnServer(baseEnv(pg.url, { PORT: String(port), GATEWAY_PORT: String(gatewayPort), GATEHOUSE_ISSUER: `http://127.0.0.1:${port}`, GATEHOUSE_FEED_STALE_MS: String(STALE_MS) }));
    const adminToken = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
    workload = await prepareWorkload(server.url, adminToken, 4);
    const service = await request(`${server.url}/admin/api/v1/services`, json('POST', { name: 'things', path_prefix: '/things', upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` }, bearer(adminToken)));
    assert.equal(service.status, 201, JSON.stringify(service.body));
  });

  after(async () => {
    if (server && server.process.exitCode === null && server.process.signalCode === null) {
      server.process.kill('SIGKILL');
      await server.exited;
    }
    await new Promise((resolve) => upstream?.close(resolve));
    await pg?.stop();
  });

  test('503 while it is down (never invalid_grant, invalid_client, 500 or a crash); recovery without a restart; nothing lost', async () => {
    const probe = await clientCredentialsToken(server.url, workload.machine.id, workload.machine.secret);
    assert.ok(await within(10_000, async () => (await fetch(`${gateway}/things/1`, { headers: bearer(probe) })).status === 200), 'the gateway routes before the outage');

    const load = mixedLoad(server.url, workload, { machines: 4, chains: 4, stopOnConnectionError: false, revokeRefreshEvery: 9 });
    // Side probes during the whole run: introspection, readiness on both ports, the gateway, the admin API.
    const adminToken = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
    const seen = { introspect: new Map<string, number>(), readyz: new Map<string, number>(), gateway: new Map<string, number>(), admin: new Map<string, number>() };
    let probing = true;
    let phase: 'before' | 'down' | 'after' = 'before';
    const note = (map: Map<string, number>, key: string) => map.set(`${phase} ${key}`, (map.get(`${phase} ${key}`) ?? 0) + 1);
    const probes = (async () => {
      while (probing) {
        const results = await Promise.allSettled([
          request(`${server.url}/oauth/introspect`, form({ token: probe }, { authorization: basic(workload.machine.id, workload.machine.secret) })).then((r) => `${r.status} active=${r.body?.active}`),
          fetch(`${server.url}/readyz`).then((r) => `auth ${r.status}`),
          fetch(`${gateway}/readyz`).then((r) => `gateway ${r.status}`),
          fetch(`${gateway}/things/1`, { headers: bearer(probe) }).then(async (r) => `${r.status}${r.status === 200 ? '' : ` ${await r.text()}`}`.slice(0, 120)),
          request(`${server.url}/admin/api/v1/clients?limit=1`, { headers: bearer(adminToken) }).then((r) => `${r.status} ${r.headers.get('content-type')}`),
        ]);
        const text = results.map((r) => (r.status === 'fulfilled' ? r.value : `connection error ${String(r.reason)}`));
        note(seen.introspect, text[0]!);
        note(seen.readyz, text[1]!);
        note(seen.readyz, text[2]!);
        note(seen.gateway, text[3]!);
        note(seen.admin, text[4]!);
        await sleep(100);
      }
    })();

    await sleep(1500);
    phase = 'down';
    load.mark();
    pg.pause();
    await sleep(OUTAGE_MS);
    const duringOutage = load.ledger.answers.filter((a) => !a.startedBeforeMark).length;
    pg.resume();
    phase = 'after';
    const recovered = await within(RECOVERY_DEADLINE_MS, async () => {
      const [auth, gw] = await Promise.all([fetch(`${server.url}/readyz`), fetch(`${gateway}/readyz`)]);
      return auth.status === 200 && gw.status === 200;
    });
    assert.ok(recovered, `the node did not become ready again by itself:\n${server.output().slice(-2000)}`);
    await sleep(1500);
    await load.stop();
    probing = false;
    await probes;

    const { ledger } = load;
    console.log(`# outage: ${JSON.stringify(tally(ledger.answers))}`);
    console.log(`# probes: ${JSON.stringify(Object.fromEntries([...seen.introspect, ...seen.readyz, ...seen.gateway, ...seen.admin]))}`);
    assert.equal(server.process.exitCode, null, 'the server is still running');

    const wrong = ledger.answers.filter((a) => a.status !== 200 && a.status !== 503);
    assert.deepEqual(wrong.slice(0, 5), [], `only 200 or 503 (never invalid_grant, invalid_client, 500 or a dropped connection); ${wrong.length} others`);
    const unavailable = ledger.answers.filter((a) => a.status === 503);
    assert.ok(unavailable.length > 0, `the outage was felt: 503s answered (${duringOutage} requests during it)`);
    for (const answer of unavailable.slice(0, 20)) {
      assert.equal(JSON.parse(answer.body).error, 'temporarily_unavailable', answer.body);
    }
    assert.ok(ledger.answers.some((a) => !a.startedBeforeMark && a.status === 200 && a.op === 'refresh'), 'refreshes succeed again after the outage');

    const keys = [...seen.introspect.keys(), ...seen.readyz.keys(), ...seen.gateway.keys()];
    assert.ok(keys.includes('down auth 503'), `/readyz answered 503 while the database was down: ${keys.join(', ')}`);
    const badIntrospection = [...seen.introspect.keys()].filter((k) => !/ (200 active=true|503 active=undefined)$/.test(k));
    assert.deepEqual(badIntrospection, [], 'introspection of a live token answers active or 503, never inactive');
    const badGateway = [...seen.gateway.keys()].filter((k) => !/^\w+ (200|503)/.test(k));
    assert.deepEqual(badGateway, [], 'the gateway serves or refuses with 503, never 401 or 500');
    assert.ok([...seen.gateway.keys()].some((k) => k.startsWith('down 503')), 'past the staleness bound the gateway fails closed');
    assert.ok([...seen.gateway.keys()].some((k) => k === 'after 200'), 'the gateway serves again after the outage');

    const badAdmin = [...seen.admin.keys()].filter((k) => !/^\w+ (200 application\/json|503 application\/problem\+json)/.test(k));
    assert.deepEqual(badAdmin, [], 'the admin API answers 200 or 503 problem JSON');
    assert.ok([...seen.admin.keys()].some((k) => k.startsWith('down 503 application/problem+json')), 'the admin API answered 503 while the database was down');

    const checked = await verifyLedger(server.url, adminToken, ledger, workload);
    console.log(`# after the outage: ${checked.live} live tokens, ${checked.revoked} revoked tokens, ${checked.revokedRefresh} revoked refresh tokens and ${checked.chains} refresh chains as promised`);
  });
});
