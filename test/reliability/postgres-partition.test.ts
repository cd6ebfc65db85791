/**
 * A PostgreSQL that stops answering without closing its connections (a network partition, a
 * hung primary) must not leave readiness probes hanging: /readyz answers 503 within seconds on
 * both ports, so a balancer takes the node out, and 200 again once the database answers. A stopped
 * server (connections refused) is test/reliability/postgres-restart.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { testDatabases } from '../helpers/databases.js';
import { freePort, startServer, type TestServer } from '../helpers/server.js';
import { buildGateway } from '../../src/gateway/server.js';
import type { FastifyInstance } from 'fastify';

const postgres = testDatabases().find((d) => d.name === 'postgres');

/** A TCP relay that can hold every byte in both directions without closing anything: a partition. */
class FreezableRelay {
  private frozen = false;
  private readonly held: (() => void)[] = [];
  private readonly sockets = new Set<net.Socket>();
  readonly server: net.Server;

  constructor(target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
        this.sockets.add(from);
        from.on('data', (chunk) => (this.frozen ? this.held.push(() => to.write(chunk)) : to.write(chunk)));
        from.on('error', () => to.destroy());
        from.on('close', () => to.destroy());
      }
    });
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const send of this.held.splice(0)) send();
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('PostgreSQL partitioned from a node', { skip: postgres === undefined && 'PostgreSQL is not installed' }, () => {
  let relay: FreezableRelay;
  let server: TestServer;
  let gateway: FastifyInstance;
  let gatewayUrl: string;

  before(async () => {
    const url = new URL(await postgres!.create());
    relay = new FreezableRelay({ host: url.hostname, port: Number(url.port) });
    const relayPort = await freePort();
    await new Promise<void>((resolve) => relay.server.listen(relayPort, '127.0.0.1', resolve));
    url.hostname = '127.0.0.1';
    url.port = String(relayPort);
    server = await startServer(url.toString());
    gateway = await buildGateway(server.gh, { services: server.gh.services, matchers: server.gh.matchers, feedHealthy: () => true });
    const port = await freePort();
    await gateway.listen({ host: '127.0.0.1', port });
    gatewayUrl = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    relay.thaw();
    await gateway.close();
    await server.close();
    await relay.close();
  });

  test('/readyz answers 503 within seconds on both ports while the database is silent, and 200 once it answers again', async () => {
    for (const base of [server.url, gatewayUrl]) assert.equal((await fetch(`${base}/readyz`)).status, 200);
    relay.freeze();
    for (const base of [server.url, gatewayUrl]) {
      const started = Date.now();
      const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(15_000) });
      assert.equal(response.status, 503, base);
      assert.ok(Date.now() - started < 10_000, `${base}/readyz took ${Date.now() - started} ms`);
    }
    relay.thaw();
    const deadline = Date.now() + 15_000;
    for (const base of [server.url, gatewayUrl]) {
      while ((await fetch(`${base}/readyz`)).status !== 200) {
        assert.ok(Date.now() < deadline, `${base}/readyz stays 503 after the database answers again`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  });
});
