/**
 * /metrics (issue 8 "Operations") over real HTTP on its own port: the Prometheus text format,
 * requests by route pattern and status, latency histograms, grants by type and outcome, tokens
 * issued, rate-limit refusals, lockouts and the change feed's lag; off unless configured.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, freePort, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { freshWindow } from '../helpers/rate-limits.js';
import type { AddressInfo } from 'node:net';
import { buildGateway } from '../../src/gateway/server.js';

/** The value of one sample line, e.g. `gatehouse_grants_total{grant_type="password",outcome="ok"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

for (const database of testDatabases()) {
  describe(`/metrics on ${database.name}`, () => {
    let server: TestServer;
    let metricsUrl: string;
    let admin: string;
    const scrape = async () => {
      const response = await fetch(metricsUrl);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return response.text();
    };

    before(async () => {
      const port = await freePort();
      server = await startServer(await database.create(), { GATEHOUSE_METRICS_PORT: String(port) });
      metricsUrl = `http://127.0.0.1:${port}/metrics`;
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
    });
    after(() => server.close());

    test('requests by route pattern and status, latency histogram, grants by type and outcome, tokens issued', async () => {
      const before = await scrape();
      await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      assert.equal((await request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(ADMIN_ID, 'wrong') }))).status, 401);
      assert.equal((await request(`${server.url}/oauth/token`, form({ grant_type: 'magic' }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }))).status, 400);
      const text = await scrape();
      const delta = (series: string) => sample(text, series) - sample(before, series);

      assert.equal(delta('gatehouse_http_requests_total{route="/oauth/token",method="POST",status="200"}'), 1);
      assert.equal(delta('gatehouse_http_requests_total{route="/oauth/token",method="POST",status="401"}'), 1);
      assert.equal(delta('gatehouse_grants_total{grant_type="client_credentials",outcome="ok"}'), 1);
      assert.equal(delta('gatehouse_grants_total{grant_type="client_credentials",outcome="invalid_client"}'), 1);
      assert.equal(delta('gatehouse_grants_total{grant_type="unsupported",outcome="unsupported_grant_type"}'), 1, 'an unknown grant type is one bounded label');
      assert.equal(delta('gatehouse_tokens_issued_total{grant_type="client_credentials"}'), 1);
      assert.ok(!text.includes('magic'), 'client input never becomes a label');
      assert.equal(delta('gatehouse_http_request_duration_seconds_count{route="/oauth/token"}'), 3);
      assert.equal(delta('gatehouse_http_request_duration_seconds_bucket{route="/oauth/token",le="+Inf"}'), 3);
      assert.ok(delta('gatehouse_http_request_duration_seconds_sum{route="/oauth/token"}') > 0);
      // Tenant mounts are one route pattern, never one series per tenant id.
      assert.equal((await request(`${server.url}/t/nope/oauth/token`, form({}))).status, 404);
      assert.ok((await scrape()).includes('route="/t/:tenant/oauth/token"'));
      assert.match(text, /^# TYPE gatehouse_http_request_duration_seconds histogram$/m);
    });

    test('rate-limit refusals, lockouts and the change feed are measured', async () => {
      const before = await scrape();
      const patch = (body: unknown) => request(`${server.url}/admin/api/v1/settings`, json('PATCH', body, bearer(admin)));
      assert.equal((await patch({ rate_limits: { token_per_client_per_min: 1 }, lockout: { max_failures: 2 } })).status, 200);
      try {
        await freshWindow();
        await request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
        assert.equal((await request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }))).status, 429);
      } finally {
        assert.equal((await patch({ rate_limits: { token_per_client_per_min: 0 } })).status, 200);
      }
      const created = await request(`${server.url}/admin/api/v1/users`, json('POST', { username: 'mallory', password: 'mallory-password-1' }, bearer(admin)));
      assert.equal(created.status, 201);
      const registered = await request(`${server.url}/oauth/register`, json('POST', { client_name: 'pw', grant_types: ['password'], scope: 'openid' }, bearer(admin)));
      const client = { id: registered.body.client_id as string, secret: registered.body.client_secret as string };
      for (let i = 0; i < 2; i++) {
        const failed = await request(`${server.url}/oauth/token`, form({ grant_type: 'password', username: 'mallory', password: 'not-her-password' }, { authorization: basic(client.id, client.secret) }));
        assert.equal(failed.status, 400);
      }
      const text = await scrape();
      const delta = (series: string) => sample(text, series) - sample(before, series);
      assert.equal(delta('gatehouse_rate_limit_refusals_total{limit="token_client"}'), 1);
      assert.equal(delta('gatehouse_grants_total{grant_type="client_credentials",outcome="rate_limited"}'), 1);
      assert.equal(delta('gatehouse_lockouts_total{key_type="account"}'), 1);
      assert.equal(delta('gatehouse_grants_total{grant_type="password",outcome="invalid_grant"}'), 2);
      // Settings changes and client registration went through the change feed on this node.
      assert.ok(sample(text, 'gatehouse_change_feed_position') > 0);
      assert.ok(delta('gatehouse_change_feed_lag_seconds_count') >= 2);
      assert.equal(sample(text, 'gatehouse_change_feed_stale_seconds'), 0);
      assert.equal((await patch({ lockout: { max_failures: 30 } })).status, 200);
    });

    test('gateway requests are counted beside the OAuth endpoints', async () => {
      const gateway = await buildGateway(server.gh, { services: server.gh.services, matchers: server.gh.matchers, feedHealthy: () => server.gh.feed.healthy(5000) });
      await gateway.listen({ host: '127.0.0.1', port: 0 });
      try {
        const before = await scrape();
        const url = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}/under/no/service`;
        assert.equal((await fetch(url)).status, 404);
        const series = 'gatehouse_http_requests_total{route="/*",method="GET",status="404"}';
        assert.equal(sample(await scrape(), series) - sample(before, series), 1);
      } finally {
        await gateway.close();
      }
    });

    test('only GET /metrics is served there; the OAuth port does not serve it', async () => {
      assert.equal((await fetch(metricsUrl.replace('/metrics', '/oauth/token'))).status, 404);
      assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
    });
  });
}

describe('GATEHOUSE_METRICS_PORT', () => {
  test('unset means no metrics listener; a bad value names the variable', () => {
    assert.equal(loadConfig({}).metricsPort, undefined);
    assert.equal(loadConfig({ GATEHOUSE_METRICS_PORT: '9464' }).metricsPort, 9464);
    for (const bad of ['0', 'abc', '70000']) {
      assert.throws(() => loadConfig({ GATEHOUSE_METRICS_PORT: bad }), (error: unknown) => error instanceof ConfigError && error.variable === 'GATEHOUSE_METRICS_PORT');
    }
  });
});
