// Throughput and p99 latency of the token endpoint (client_credentials) as concurrency grows:
// one Gatehouse node on SQLite, a cluster of Gatehouse nodes on one PostgreSQL behind nginx
// (scripts/cluster.mjs), and oidc-provider (opaque tokens, in memory) as the peer.
//
//   npx tsx bench/concurrency.ts [--only=gatehouse,cluster,oidc-opaque]
//
// Env: BENCH_CONCURRENCY (1,4,16,64), BENCH_DURATION_S (3), BENCH_WARMUP_S (2),
//      BENCH_CLUSTER_NODES (2), BENCH_GATEHOUSE=auto|dist|tsx.
//
// Each concurrency level measures every target once, back to back, so drift on the machine hits
// them alike. The cluster target needs nginx; without it the target is reported and skipped.
// This prints figures; it asserts nothing about them.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { stopAllChildServers } from './lib/child.js';
import { resolveGatehouseLaunch, startGatehouse } from './lib/gatehouse-process.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { formatMachine, machineInfo } from './lib/machine.js';
import { clientCredentialsRequest, requestToken } from './lib/oauth.js';
import { repoPath } from './lib/paths.js';
import { startOidcProvider } from './lib/peer-process.js';
import { armWatchdog, formatMs, formatRps, writeResults } from './lib/rounds.js';
import { envPositiveInteger, envPositiveNumber } from './lib/env.js';
import { renderTable } from './lib/table.js';
import type { RunningTarget } from './lib/target.js';

const TARGET_NAMES = ['gatehouse', 'cluster', 'oidc-opaque'] as const;
type TargetName = (typeof TARGET_NAMES)[number];

/** A cluster has no single server process: what is measured is the request and how to stop it. */
type Measured = Pick<RunningTarget, 'request' | 'stop'>;

interface TargetSpec {
  name: TargetName;
  description: string;
  start(): Promise<Measured>;
}

const TARGETS: readonly TargetSpec[] = [
  { name: 'gatehouse', description: 'Gatehouse, one node, SQLite (synchronous=FULL)', start: startSingleNode },
  { name: 'cluster', description: 'Gatehouse nodes on one PostgreSQL behind nginx (npm run cluster)', start: startClusterTarget },
  { name: 'oidc-opaque', description: 'oidc-provider 9, opaque access tokens, in-memory adapter', start: () => startOidcProvider('opaque') },
];

export interface ConcurrencyPoint {
  connections: number;
  result: LoadResult;
}

export interface ConcurrencyTarget {
  name: TargetName;
  description: string;
  error?: string;
  points: ConcurrencyPoint[];
}

const RESULTS_FILE = repoPath('bench', 'results', 'concurrency.json');

await main().catch((err: unknown) => {
  console.error(`concurrency: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

async function main(): Promise<void> {
  const selected = parseCommandLine();
  const levels = (process.env.BENCH_CONCURRENCY ?? '1,4,16,64').split(',').map((level) => Number(level.trim()));
  if (levels.some((level) => !Number.isInteger(level) || level < 1)) throw new Error('BENCH_CONCURRENCY must be a comma-separated list of positive integers');
  const durationS = envPositiveNumber('BENCH_DURATION_S', 3);
  const warmupS = envPositiveNumber('BENCH_WARMUP_S', 2);
  const machine = machineInfo();
  const startedAt = new Date();
  armWatchdog('concurrency', 300 + selected.length * (warmupS + levels.length * (durationS + 16)));
  console.log(`machine: ${formatMachine(machine)}`);
  console.log(`load:    autocannon, connections ${levels.join(', ')}, ${durationS} s per point after ${warmupS} s warm-up\n`);

  const records: ConcurrencyTarget[] = selected.map((spec) => ({ name: spec.name, description: spec.description, points: [] }));
  const running = new Map<TargetName, Measured>();
  try {
    for (const [index, spec] of selected.entries()) {
      const record = records[index]!;
      try {
        const target = await spec.start();
        await requestToken(target.request);
        running.set(spec.name, target);
        console.log(`ready    ${spec.name}`);
        await runLoad({ ...target.request, durationS: warmupS, connections: Math.max(...levels) });
      } catch (err) {
        record.error = (err as Error).message;
        console.log(`FAILED   ${spec.name}: ${record.error.split('\n')[0]}`);
      }
    }
    for (const connections of levels) {
      for (const record of records) {
        const target = running.get(record.name);
        if (!target) continue;
        const result = await runLoad({ ...target.request, durationS, connections });
        record.points.push({ connections, result });
        console.log(`c=${String(connections).padEnd(4)} ${record.name.padEnd(12)} ${formatRps(result.rps).padStart(8)} req/s  p99 ${formatMs(result.p99).padStart(7)} ms`);
        await sleep(500);
      }
    }
  } finally {
    await Promise.all([...running.values()].map((target) => target.stop()));
    await stopAllChildServers();
  }

  console.log(`\n${renderTable(
    ['connections', ...records.map((record) => `${record.name} req/s (p99 ms)`)],
    levels.map((connections) => [
      String(connections),
      ...records.map((record) => {
        const point = record.points.find((p) => p.connections === connections);
        return point ? `${formatRps(point.result.rps)} (${formatMs(point.result.p99)})` : '-';
      }),
    ]),
  )}`);
  await writeResults(RESULTS_FILE, {
    benchmark: 'concurrency',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    config: { levels, durationS, warmupS, loadTool: 'autocannon', pipelining: 1 },
    targets: records,
  });
}

function parseCommandLine(): TargetSpec[] {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  if (values.only === undefined) return [...TARGETS];
  const wanted = values.only.split(',').map((name) => name.trim());
  const unknown = wanted.filter((name) => !TARGETS.some((spec) => spec.name === name));
  if (unknown.length > 0) throw new Error(`--only: unknown target(s) ${unknown.join(', ')}; choose from ${TARGET_NAMES.join(', ')}`);
  return TARGETS.filter((spec) => wanted.includes(spec.name));
}

async function startSingleNode(): Promise<Measured> {
  const launch = await resolveGatehouseLaunch();
  const gatehouse = await startGatehouse(launch);
  return { request: clientCredentialsRequest(`${gatehouse.baseUrl}/oauth/token`, gatehouse.admin), stop: () => gatehouse.stop() };
}

async function startClusterTarget(): Promise<Measured> {
  const { startCluster } = await import('../scripts/cluster.mjs');
  const cluster = await startCluster({ roles: Array.from({ length: envPositiveInteger('BENCH_CLUSTER_NODES', 2) }, () => 'all') });
  return { request: clientCredentialsRequest(`${cluster.url}/oauth/token`, cluster.admin), stop: () => cluster.stop() };
}
