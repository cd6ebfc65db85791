/**
 * Paths fastify's router refuses before any route runs (found by the fuzzers): a malformed escape,
 * an over-long path parameter. They answer in the endpoint's own format (src/http/framework-errors.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { SERVICE_PREFIX, startFuzzTarget, type FuzzTarget } from './target.js';

let target: FuzzTarget;
before(async () => {
  target = await startFuzzTarget();
});
after(() => target.close());

test('paths the router refuses (a malformed escape, an over-long parameter) answer in the endpoint’s own error format, without fastify’s error codes', async () => {
  const cases = [
    { base: target.url, path: '/t/%FF/oauth/token', status: 400, format: 'oauth' },
    { base: target.url, path: `/admin/api/v1/clients/${'a'.repeat(600)}`, status: 414, format: 'problem' },
    { base: target.gateway, path: `${SERVICE_PREFIX}/%FF`, status: 400, format: 'problem' },
  ] as const;
  for (const { base, path, status, format } of cases) {
    const response = await request(`${base}${path}`, { method: 'GET', headers: { authorization: `Bearer ${target.admin}` } });
    const text = await response.body.text();
    assert.equal(response.statusCode, status, path.slice(0, 60));
    assert.doesNotMatch(text, /FST_/, `${path.slice(0, 60)}: ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as Record<string, unknown>;
    if (format === 'oauth') assert.equal(body.error, 'invalid_request');
    else {
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(body.status, status);
    }
  }
});
