// Token endpoint throughput: Gatehouse's client_credentials grant against
// oidc-provider (JWT and opaque access tokens) and a bare fastify+jose signer.
//
//   npx tsx bench/token-throughput.ts [--only=gatehouse,oidc-jwt,oidc-opaque,bare-jose]
//
// Env: BENCH_DURATION_S (5), BENCH_CONNECTIONS (32), BENCH_ROUNDS (3),
//      BENCH_WARMUP_S (2), BENCH_GATEHOUSE=auto|dist|tsx, BENCH_VERBOSE=1.
//
// Every server runs in its own child process on 127.0.0.1; this process only
// generates load (autocannon). Targets are measured in alternating rounds so
// that drift on the machine (thermal, noisy neighbours) hits all of them
// alike, and the median round is reported. This prints figures; it asserts
// nothing about them.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { stopAllChildServers } from './lib/child.js';
import { resolveGatehouseLaunch, startGatehouse } from './lib/gatehouse-process.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { formatMachine, machineInfo } from './lib/machine.js';
import { clientCredentialsRequest, describeAccessToken, requestToken } from './lib/oauth.js';
import { repoPath } from './lib/paths.js';
import { startBareJose, startOidcProvider } from './lib/peer-process.js';
import { armWatchdog as armTimeLimit, formatRoundLine, summariseRounds, writeResults as writeResultsFile, printSummaryTable, type RoundsSummary, loadConfigFromEnv, type LoadConfig } from './lib/rounds.js';
import { renderTable } from './lib/table.js';
import type { RunningTarget } from './lib/target.js';

const TARGET_NAMES = ['gatehouse', 'oidc-jwt', 'oidc-opaque', 'bare-jose'] as const;
type TargetName = (typeof TARGET_NAMES)[number];

interface TargetSpec {
  name: TargetName;
  description: string;
  start(): Promise<RunningTarget & { note?: string }>;
}

const TARGETS: readonly TargetSpec[] = [
  {
    name: 'gatehouse',
    description: 'Gatehouse POST /oauth/token, client_credentials, Basic auth',
    start: startGatehouseTarget,
  },
  {
    name: 'oidc-jwt',
    description: 'oidc-provider 9, JWT access tokens (ES256, resource indicators)',
    start: () => startOidcProvider('jwt'),
  },
  {
    name: 'oidc-opaque',
    description: 'oidc-provider 9, opaque access tokens (in-memory adapter)',
    start: () => startOidcProvider('opaque'),
  },
  {
    name: 'bare-jose',
    description: 'fastify route + jose ES256 SignJWT only (no auth, no storage)',
    start: startBareJose,
  },
];

const OIDC_PROVIDER_MODES: readonly TargetName[] = ['oidc-jwt', 'oidc-opaque'];
const RESULTS_FILE = repoPath('bench', 'results', 'token-throughput.json');
/** Lets sockets from the previous run close before the next target is loaded. */
const PAUSE_BETWEEN_RUNS_MS = 500;
/** Generous allowance for builds and server start-up in the overall time limit. */
const STARTUP_ALLOWANCE_S = 300;

type Config = LoadConfig;

interface TargetRecord {
  name: TargetName;
  description: string;
  command?: string;
  note?: string;
  token?: string;
  /** Set when the target could not be started or verified; it is then not measured. */
  error?: string;
  rounds: LoadResult[];
}

interface TargetSummary extends RoundsSummary {
  name: TargetName;
}

interface Ratio {
  label: string;
  numerator: TargetName;
  denominator: TargetName;
  /** Median req/s ratio: > 1 means the numerator is faster. */
  throughput: number;
  /** Median p99 ratio: < 1 means the numerator has lower tail latency. */
  p99: number;
}

await main().catch((err: unknown) => {
  console.error(`token-throughput: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

async function main(): Promise<void> {
  const selected = parseCommandLine();
  const config: Config = {
    ...loadConfigFromEnv(),
  };
  const machine = machineInfo();
  const startedAt = new Date();
  armWatchdog(config, selected.length);

  console.log(`machine: ${formatMachine(machine)}`);
  console.log(`load:    autocannon, ${config.connections} connections, pipelining 1, `
    + `${config.rounds} rounds × ${config.durationS} s per target after ${config.warmupS} s warm-up`);
  console.log(`targets: ${selected.map((spec) => spec.name).join(', ')}\n`);

  const records: TargetRecord[] = selected.map((spec) => ({ name: spec.name, description: spec.description, rounds: [] }));
  const running = new Map<TargetName, RunningTarget>();
  try {
    for (const [index, spec] of selected.entries()) {
      const record = records[index];
      if (record === undefined) continue;
      const target = await startAndVerify(spec, record);
      if (target !== undefined) running.set(spec.name, target);
    }

    const measured = records.filter((record) => running.has(record.name));
    for (const record of measured) {
      const target = running.get(record.name);
      if (target === undefined) continue;
      console.log(`warm-up  ${record.name}`);
      await runLoad({ ...target.request, durationS: config.warmupS, connections: config.connections });
      await sleep(PAUSE_BETWEEN_RUNS_MS);
    }

    for (let round = 1; round <= config.rounds; round++) {
      for (const record of measured) {
        const target = running.get(record.name);
        if (target === undefined) continue;
        const result = await runLoad({ ...target.request, durationS: config.durationS, connections: config.connections });
        record.rounds.push(result);
        console.log(`round ${round}/${config.rounds}  ${record.name.padEnd(11)} ${formatRoundLine(result)}`);
        await sleep(PAUSE_BETWEEN_RUNS_MS);
      }
    }
  } finally {
    await Promise.all([...running.values()].map((target) => target.stop()));
    await stopAllChildServers();
  }

  const summaries = records.filter((record) => record.rounds.length > 0).map(summarise);
  const ratios = computeRatios(summaries);
  printReport(records, summaries, ratios);
  await writeResults({
    benchmark: 'token-throughput',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    config: { ...config, pipelining: 1, loadTool: 'autocannon' },
    targets: records,
    summaries,
    ratios,
  });
  if (records.some((record) => record.error !== undefined)) process.exitCode = 1;
}

function parseCommandLine(): TargetSpec[] {
  const { values } = parseArgs({
    options: { only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(`usage: npx tsx bench/token-throughput.ts [--only=${TARGET_NAMES.join(',')}]`);
    process.exit(0);
  }
  if (values.only === undefined) return [...TARGETS];
  const wanted = values.only.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = wanted.filter((name) => !TARGETS.some((spec) => spec.name === name));
  if (unknown.length > 0 || wanted.length === 0) {
    throw new Error(`--only: unknown target(s) ${unknown.join(', ') || '(none given)'}; choose from ${TARGET_NAMES.join(', ')}`);
  }
  // Keep the canonical order so rounds alternate the same way whatever the flag order.
  return TARGETS.filter((spec) => wanted.includes(spec.name));
}

async function startGatehouseTarget(): Promise<RunningTarget & { note?: string }> {
  const launch = await resolveGatehouseLaunch();
  const gatehouse = await startGatehouse(launch);
  return {
    request: clientCredentialsRequest(`${gatehouse.baseUrl}/oauth/token`, gatehouse.admin),
    command: `node ${launch.args.join(' ')}`,
    ...(launch.note === undefined ? {} : { note: launch.note }),
    server: gatehouse.server,
    stop: () => gatehouse.stop(),
  };
}

/**
 * Starts the target and checks once that it really issues a token, so a
 * misconfigured server cannot post impressive figures made of 401s. A target
 * that fails is reported and skipped; the others are still measured.
 */
async function startAndVerify(spec: TargetSpec, record: TargetRecord): Promise<RunningTarget | undefined> {
  let target: (RunningTarget & { note?: string }) | undefined;
  try {
    target = await spec.start();
    record.command = target.command;
    if (target.note !== undefined) record.note = target.note;
    const token = await requestToken(target.request);
    record.token = describeAccessToken(token.access_token);
    console.log(`ready    ${spec.name.padEnd(11)} ${record.token}, expires_in=${token.expires_in ?? '-'}`
      + `${token.scope === undefined ? '' : `, scope="${token.scope}"`}  [${target.command}]`);
    return target;
  } catch (err) {
    record.error = (err as Error).message;
    console.log(`FAILED   ${spec.name.padEnd(11)} ${record.error.split('\n').join('\n         ')}`);
    await target?.stop();
    return undefined;
  }
}

function summarise(record: TargetRecord): TargetSummary {
  return { name: record.name, ...summariseRounds(record.rounds) };
}

function computeRatios(summaries: readonly TargetSummary[]): Ratio[] {
  const byName = new Map(summaries.map((summary) => [summary.name, summary]));
  const ratio = (label: string, numerator: TargetSummary | undefined, denominator: TargetSummary | undefined): Ratio[] =>
    numerator === undefined || denominator === undefined
      ? []
      : [{
        label,
        numerator: numerator.name,
        denominator: denominator.name,
        throughput: numerator.medianRps / denominator.medianRps,
        p99: numerator.medianP99Ms / denominator.medianP99Ms,
      }];

  const bestOidc = summaries
    .filter((summary) => OIDC_PROVIDER_MODES.includes(summary.name))
    .reduce<TargetSummary | undefined>((best, summary) => (best === undefined || summary.medianRps > best.medianRps ? summary : best), undefined);
  const gatehouse = byName.get('gatehouse');
  const bareJose = byName.get('bare-jose');

  return [
    ...ratio(`Gatehouse / best oidc-provider mode (${bestOidc?.name ?? '-'})`, gatehouse, bestOidc),
    ...ratio('Gatehouse / bare jose', gatehouse, bareJose),
    // Context for reading the two above: how much of the floor a mature AS keeps.
    ...ratio(`best oidc-provider mode (${bestOidc?.name ?? '-'}) / bare jose`, bestOidc, bareJose),
  ];
}

function printReport(records: readonly TargetRecord[], summaries: readonly TargetSummary[], ratios: readonly Ratio[]): void {
  printSummaryTable(records, summaries);

  for (const record of records) {
    if (record.error !== undefined) console.log(`\n${record.name} was not measured: ${record.error.split('\n')[0] ?? ''}`);
  }

  if (ratios.length > 0) {
    console.log('');
    console.log(renderTable(
      ['ratio', 'req/s', 'p99'],
      ratios.map((ratio) => [ratio.label, `${ratio.throughput.toFixed(2)}×`, `${ratio.p99.toFixed(2)}×`]),
      ['left', 'right', 'right'],
    ));
    console.log('(req/s ratio > 1: left side faster; p99 ratio < 1: left side has the lower tail latency)');
  }
}

async function writeResults(results: unknown): Promise<void> {
  // Results are machine-specific; writeResultsFile keeps them out of version control.
  await writeResultsFile(RESULTS_FILE, results);
}

/** Hard upper bound on the whole run, so a wedged server or build can never hang CI or a terminal. */
function armWatchdog(config: Config, targetCount: number): void {
  const perRunS = config.durationS + PAUSE_BETWEEN_RUNS_MS / 1000 + 15; // + autocannon's request timeout, rounded up
  armTimeLimit('token-throughput', STARTUP_ALLOWANCE_S + targetCount * (config.warmupS + config.rounds * perRunS));
}
