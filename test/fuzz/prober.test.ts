/**
 * The fuzzers' own checks can fail: a refused request after a store change is reported, a 5xx
 * or a leak is reported, and the known-issue exception lets through nothing but its own shape.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearer, json, request } from '../helpers/oauth.js';
import { startFuzzTarget, type FuzzTarget } from './target.js';
import { Prober } from './probe.js';

let target: FuzzTarget;
before(async () => {
  target = await startFuzzTarget();
});
after(() => target.close());

test('a refused request is reported when the store changed since the last request', async () => {
  const prober = new Prober(target.snapshot);
  await prober.send(target.url, { method: 'GET', path: '/oauth/userinfo', headers: {} });
  const created = await request(`${target.url}/admin/api/v1/scopes`, json('POST', { name: 'sneaky', services: ['/sneaky/**'] }, bearer(target.admin)));
  assert.equal(created.status, 201);
  await assert.rejects(prober.send(target.url, { method: 'GET', path: '/oauth/userinfo', headers: {} }), /was refused \(401\) yet changed the store/);
  await prober.send(target.url, { method: 'GET', path: '/oauth/userinfo', headers: {} });
});

test('a 5xx and a stack trace in a body are reported', async () => {
  const bad = http.createServer((req, res) => {
    res.statusCode = req.url === '/500' ? 500 : 400;
    res.end(req.url === '/500' ? 'oops' : 'TypeError: x\n    at handler (/app/src/x.ts:1:1)');
  });
  await new Promise<void>((resolve) => bad.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(bad.address() as AddressInfo).port}`;
  try {
    const prober = new Prober(target.snapshot);
    await assert.rejects(prober.send(base, { method: 'GET', path: '/500', headers: {} }), /answered 500/);
    await assert.rejects(prober.send(base, { method: 'GET', path: '/trace', headers: {} }), /leaked internals/);
  } finally {
    await new Promise((resolve) => bad.close(resolve));
  }
});
