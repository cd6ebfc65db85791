/** The load cache behind tenants, clients, users and keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PromiseCache } from '../../src/core/promise-cache.js';

test('concurrent callers share one load; a failed load is retried by the next caller', async () => {
  const cache = new PromiseCache<string, number>();
  let loads = 0;
  const load = async () => ++loads;
  assert.deepEqual(await Promise.all([cache.get('a', load), cache.get('a', load)]), [1, 1]);
  await assert.rejects(cache.get('b', () => Promise.reject(new Error('store down'))));
  assert.equal(await cache.get('b', load), 2);
  assert.deepEqual(cache.keys().sort(), ['a', 'b']);
});

test('values `keep` refuses are not held: unknown ids callers invent do not grow the cache', async () => {
  const cache = new PromiseCache<string, string | undefined>((value) => value !== undefined);
  for (let i = 0; i < 100; i++) assert.equal(await cache.get(`invented-${i}`, async () => undefined), undefined);
  assert.equal(await cache.get('real', async () => 'client'), 'client');
  assert.deepEqual(cache.keys(), ['real']);
});

test('getMany loads only the keys neither cached nor loading, with one call; unknown keys are undefined and not kept', async () => {
  const cache = new PromiseCache<string, string | undefined>((value) => value !== undefined);
  assert.equal(await cache.get('a', async () => 'A'), 'A');
  const calls: string[][] = [];
  const loadMany = async (missing: string[]) => {
    calls.push(missing);
    return new Map(missing.filter((key) => key !== 'nobody').map((key) => [key, key.toUpperCase()]));
  };
  const found = await cache.getMany(['a', 'b', 'c', 'b', 'nobody'], loadMany);
  assert.deepEqual([...found], [['a', 'A'], ['b', 'B'], ['c', 'C'], ['nobody', undefined]]);
  assert.deepEqual(calls, [['b', 'c', 'nobody']], 'one load, for the missing keys only, each once');
  assert.deepEqual(cache.keys().sort(), ['a', 'b', 'c']);
  await cache.getMany(['a', 'b', 'c'], loadMany);
  assert.equal(calls.length, 1, 'all cached: no load');
  await assert.rejects(cache.getMany(['d'], () => Promise.reject(new Error('store down'))));
  assert.deepEqual(cache.keys().sort(), ['a', 'b', 'c'], 'a failed load is forgotten');
});
