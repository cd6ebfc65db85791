// Probe: the raw argon2id hash rate of @node-rs/argon2 at Gatehouse's parameters
// (memoryCost 19456 KiB, timeCost 2, parallelism 1 — src/crypto/passwords.ts),
// measured like the HTTP loads: CONCURRENCY hashes kept in flight at all times in
// this one process (on libuv's thread pool, as in the server) for DURATION_S
// seconds. Run as a child by bench/sign-in.ts; prints one JSON line shaped like
// a LoadResult.
//
// Env: CONCURRENCY (required), DURATION_S (required), WARMUP_S (default 0).
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { hash } from '@node-rs/argon2';

import { percentile } from '../lib/stats.js';

/** Argon2id at OWASP's second recommended setting; keep in step with src/crypto/passwords.ts. */
export const GATEHOUSE_ARGON2 = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

const concurrency = Number(process.env.CONCURRENCY);
const durationS = Number(process.env.DURATION_S);
const warmupS = Number(process.env.WARMUP_S ?? 0);
if (!Number.isInteger(concurrency) || concurrency <= 0) throw new Error('CONCURRENCY must be a positive integer');
if (!(durationS > 0)) throw new Error('DURATION_S must be a positive number');

/** Keeps `concurrency` hashes in flight until `seconds` have passed; returns each hash's latency in ms. */
async function hashFor(seconds: number): Promise<{ latencies: number[]; elapsedS: number; sample: string }> {
  const latencies: number[] = [];
  let sample = '';
  const start = performance.now();
  const end = start + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      // A different password each time, like different users signing in; the salt is random too.
      const password = randomBytes(12).toString('base64url');
      const t0 = performance.now();
      sample = await hash(password, GATEHOUSE_ARGON2);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  // Like autocannon: completed operations over the time until the last one finished.
  return { latencies, elapsedS: (performance.now() - start) / 1000, sample };
}

if (warmupS > 0) await hashFor(warmupS);
const { latencies, elapsedS, sample } = await hashFor(durationS);
const phc = /^\$argon2id\$v=\d+\$[^$]+/.exec(sample)?.[0] ?? sample.slice(0, 40);

process.stdout.write(`${JSON.stringify({
  rps: latencies.length / elapsedS,
  p50: percentile(latencies, 0.5),
  p99: percentile(latencies, 0.99),
  meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
  completed: latencies.length,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  statusCodes: {},
  durationS: elapsedS,
  phc,
  threadpool: process.env.UV_THREADPOOL_SIZE ?? '4 (libuv default)',
})}\n`);
