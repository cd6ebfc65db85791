/**
 * GATEHOUSE_TRUST_PROXY: behind a load balancer every browser arrives from the balancer's address,
 * so per-source limits need the balancer's X-Forwarded-For — and only the balancer's: a header a
 * client writes itself must never split its own count.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { bearer, clientCredentialsToken, json, request } from '../helpers/oauth.js';
import { freshWindow } from '../helpers/rate-limits.js';
import { loadConfig } from '../../src/config.js';

async function limitedServer(extra: Record<string, string>): Promise<TestServer> {
  const server = await startServer(`sqlite:${tempDir()}/gh.db`, extra);
  const admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
  const patched = await request(`${server.url}/admin/api/v1/settings`, json('PATCH', { rate_limits: { authorize_per_source_per_min: 1 } }, bearer(admin)));
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  return server;
}

const authorizeFrom = (server: TestServer, forwardedFor: string) =>
  fetch(`${server.url}/oauth/authorize?client_id=nobody&response_type=code`, { headers: { 'x-forwarded-for': forwardedFor }, redirect: 'manual' });

describe('trusted proxies', () => {
  let trusting: TestServer;
  let plain: TestServer;
  before(async () => {
    trusting = await limitedServer({ GATEHOUSE_TRUST_PROXY: '127.0.0.1' });
    plain = await limitedServer({});
  });
  after(async () => {
    await trusting.close();
    await plain.close();
  });

  test('behind a trusted balancer, each forwarded client address has its own per-source count', async () => {
    await freshWindow();
    assert.notEqual((await authorizeFrom(trusting, '203.0.113.1')).status, 429);
    assert.equal((await authorizeFrom(trusting, '203.0.113.1')).status, 429);
    assert.notEqual((await authorizeFrom(trusting, '203.0.113.2')).status, 429, 'another browser behind the same balancer');
  });

  test('without GATEHOUSE_TRUST_PROXY, a client cannot escape its limit by writing X-Forwarded-For', async () => {
    await freshWindow();
    assert.notEqual((await authorizeFrom(plain, '203.0.113.1')).status, 429);
    assert.equal((await authorizeFrom(plain, '203.0.113.2')).status, 429);
  });

  test('GATEHOUSE_TRUST_PROXY takes addresses and CIDR ranges, and names itself when wrong', () => {
    const base = { GATEHOUSE_DATABASE_URL: 'sqlite::memory:' };
    assert.deepEqual(loadConfig({ ...base, GATEHOUSE_TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy, ['10.0.0.0/8', '::1']);
    assert.deepEqual(loadConfig(base).trustProxy, []);
    for (const bad of ['nginx', '10.0.0.0/33', '10.0.0.1/8/2']) {
      assert.throws(() => loadConfig({ ...base, GATEHOUSE_TRUST_PROXY: bad }), /GATEHOUSE_TRUST_PROXY/);
    }
  });
});
