// Sign-in grant throughput, in one run:
//
//   refresh phase   (a) Gatehouse refresh_token grant          vs (b) oidc-provider's refresh_token grant
//   password phase  (c) Gatehouse password grant               vs (d) raw argon2id hashing (@node-rs/argon2,
//                                                                   Gatehouse's parameters, same concurrency)
//
//   npx tsx bench/sign-in.ts [--only=refresh,password]
//
// Env: BENCH_DURATION_S (5), BENCH_CONNECTIONS (32), BENCH_ROUNDS (3),
//      BENCH_WARMUP_S (2), BENCH_GATEHOUSE=auto|dist|tsx, BENCH_VERBOSE=1,
//      BENCH_GATEHOUSE_DATABASE_URL (default: a throw-away SQLite file; a
//      postgres://… URL must name an empty database on loopback).
//
// Refresh tokens work once on both servers (rotation), so every refresh request
// presents a token never presented before: each server's tokens are obtained
// beforehand (Gatehouse: password grants through its HTTP API, for users and a
// client set up through its admin API; oidc-provider: minted in its process
// with its own Grant/RefreshToken models), then each request takes one from a
// queue and its response's successor joins the end of the queue (see
// SingleUseTokenPool). Both targets get identical load: autocannon, the same
// connections, Basic client auth, a form body, pipelining 1.
//
// Servers run in their own processes on 127.0.0.1 (Gatehouse on a throw-away
// SQLite store, oidc-provider on its in-memory adapter); the raw hash rate is
// measured in a probe process of its own (bench/probes/argon2-hash.ts) with as
// many hashes in flight as the password load has connections. Targets of a
// phase are measured in alternating rounds and the median round is reported.
// This prints figures and targets; it asserts nothing about them.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { runChildToCompletion, stopAllChildServers, tsxArgs } from './lib/child.js';
import { GatehouseAdmin, refreshTokensByPassword, type BenchUser } from './lib/gatehouse-admin.js';
import { resolveGatehouseLaunch, startGatehouse, type GatehouseInstance } from './lib/gatehouse-process.js';
import { runLoad, type DynamicBody, type LoadRequest, type LoadResult } from './lib/load.js';
import { formatMachine, machineInfo } from './lib/machine.js';
import { describeAccessToken, passwordBodies, randomSecret, requestToken, SingleUseTokenPool, tokenRequest, type TokenResponse } from './lib/oauth.js';
import { REPO_ROOT, repoPath } from './lib/paths.js';
import { startOidcProviderRefresh, type OidcProviderRefreshPeer } from './lib/peer-process.js';
import { armWatchdog, formatRoundLine, summariseRounds, writeResults, printSummaryTable, type RoundsSummary, loadConfigFromEnv, type LoadConfig } from './lib/rounds.js';
import { median } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const PHASES = ['refresh', 'password'] as const;
type Phase = (typeof PHASES)[number];

const RESULTS_FILE = repoPath('bench', 'results', 'sign-in.json');
const PAUSE_BETWEEN_RUNS_MS = 500;
const STARTUP_ALLOWANCE_S = 300;
/** Each run strands at most one token per connection (the requests in flight when it stops); keep this many runs' worth spare. */
const SPARE_RUNS = 3;
const USER_COUNT = 8;
const GATEHOUSE_SCOPE = 'openid profile';
/** Targets from the brief. */
const REFRESH_RATIO_TARGET = 2.5;
const PASSWORD_RATIO_TARGET = 0.9;

type Config = LoadConfig;

/** One thing measured: an HTTP load against a server, or the hashing probe. */
interface Measurement {
  name: string;
  phase: Phase;
  description: string;
  command?: string;
  /** What the one-off check saw (token shapes), for the record. */
  verified?: string;
  /** One request (or a short probe run) before measuring; resolves with what it saw. */
  check(): Promise<string>;
  run(durationS: number): Promise<LoadResult>;
  /** Tokens left in the queue after each run (refresh targets). */
  poolSizes?: number[];
  pool?: SingleUseTokenPool;
  rounds: LoadResult[];
  error?: string;
}

interface Ratio {
  label: string;
  numerator: string;
  denominator: string;
  /** Ratio of the median req/s. */
  throughput: number;
  /** Median of the per-round ratios (round n of one over round n of the other, run back to back): steadier under drift. */
  perRound: number;
  p99: number;
  target: number;
  format: 'times' | 'percent';
}

await main().catch(async (err: unknown) => {
  console.error(`sign-in: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  await stopAllChildServers();
  process.exitCode = 1;
});

async function main(): Promise<void> {
  const phases = parseCommandLine();
  const config: Config = {
    ...loadConfigFromEnv(),
  };
  const machine = machineInfo();
  const startedAt = new Date();
  const perRunS = config.durationS + PAUSE_BETWEEN_RUNS_MS / 1000 + 15;
  armWatchdog('sign-in', STARTUP_ALLOWANCE_S + 2 * phases.length * (config.warmupS + 15 + config.rounds * perRunS));

  console.log(`machine: ${formatMachine(machine)}`);
  console.log(`load:    autocannon, ${config.connections} connections, pipelining 1, `
    + `${config.rounds} rounds × ${config.durationS} s per target after ${config.warmupS} s warm-up`);
  console.log(`phases:  ${phases.join(', ')}\n`);

  const measurements: Measurement[] = [];
  let gatehouse: GatehouseInstance | undefined;
  let peer: OidcProviderRefreshPeer | undefined;
  try {
    const launch = await resolveGatehouseLaunch();
    const databaseUrl = process.env.BENCH_GATEHOUSE_DATABASE_URL;
    gatehouse = await startGatehouse(launch, databaseUrl ? { databaseUrl } : {});
    const store = databaseUrl ? `PostgreSQL ${new URL(databaseUrl).pathname.slice(1)}` : 'SQLite';
    const command = `node ${launch.args.join(' ')}${launch.note ? ` (${launch.note})` : ''}`;
    const setup = await setUpGatehouse(gatehouse);
    console.log(`ready    gatehouse      ${gatehouse.baseUrl}, ${USER_COUNT} users, client ${setup.client.clientId}  [${command}]`);

    if (phases.includes('refresh')) {
      const poolSize = config.connections * (config.rounds + 1 + SPARE_RUNS);
      const tokenUrl = `${gatehouse.baseUrl}/oauth/token`;
      const t0 = Date.now();
      const ghTokens = await refreshTokensByPassword(tokenUrl, setup.client, setup.users, GATEHOUSE_SCOPE, poolSize, 8);
      console.log(`tokens   gatehouse      ${ghTokens.length} refresh tokens from the password grant in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const ghRefresh = refreshMeasurement({
        name: 'gh-refresh',
        description: `Gatehouse refresh_token grant (rotation; JWT access token + ID token; ${store}), scope "${GATEHOUSE_SCOPE}"`,
        command,
        request: tokenRequest(tokenUrl, setup.client, {}),
        pool: new SingleUseTokenPool(ghTokens),
        connections: config.connections,
      });
      measurements.push(ghRefresh);

      peer = await startOidcProviderRefresh();
      const opTokens = await peer.mintRefreshTokens(poolSize);
      console.log(`tokens   oidc-provider  ${opTokens.length} refresh tokens minted in the peer  [${peer.command}]`);
      measurements.push(refreshMeasurement({
        name: 'op-refresh',
        description: 'oidc-provider 9 refresh_token grant (rotateRefreshToken: true; JWT access token + ID token; in-memory adapter)',
        command: peer.command,
        request: tokenRequest(peer.tokenUrl, peer.credentials, {}),
        pool: new SingleUseTokenPool(opTokens),
        connections: config.connections,
      }));
    }

    if (phases.includes('password')) {
      const request = tokenRequest(`${gatehouse.baseUrl}/oauth/token`, setup.client, {});
      const bodies = passwordBodies(setup.users, GATEHOUSE_SCOPE);
      measurements.push({
        name: 'gh-password',
        phase: 'password',
        description: `Gatehouse password grant (argon2id verify + tokens; ${store}), ${USER_COUNT} users in turn`,
        command,
        check: async () => describeTokens(await requestToken({ ...request, body: bodies.next() })),
        run: (durationS) => runLoad({ ...request, dynamicBody: bodies, durationS, connections: config.connections }),
        rounds: [],
      });
      measurements.push({
        name: 'argon2-raw',
        phase: 'password',
        description: `@node-rs/argon2 hash(), m=19456 t=2 p=1, ${config.connections} in flight, one process`,
        command: `node ${tsxArgs('bench/probes/argon2-hash.ts').join(' ')}`,
        check: async () => {
          const probe = await hashProbe(Math.min(2, config.connections), 0.3);
          return `${probe.completed} hashes in ${probe.durationS.toFixed(2)} s, ${probe.phc}, thread pool ${probe.threadpool}`;
        },
        run: (durationS) => hashProbe(config.connections, durationS),
        rounds: [],
      });
    }

    for (const measurement of measurements) await verify(measurement);

    for (const phase of phases) {
      const inPhase = measurements.filter((m) => m.phase === phase && m.error === undefined);
      for (const measurement of inPhase) {
        console.log(`warm-up  ${measurement.name}`);
        await measurement.run(config.warmupS);
        measurement.poolSizes?.push(measurement.pool?.size ?? 0);
        await sleep(PAUSE_BETWEEN_RUNS_MS);
      }
      for (let round = 1; round <= config.rounds; round++) {
        for (const measurement of inPhase) {
          const result = await measurement.run(config.durationS);
          measurement.rounds.push(result);
          measurement.poolSizes?.push(measurement.pool?.size ?? 0);
          const pool = measurement.pool ? `  (queue ${measurement.pool.size}${measurement.pool.starved ? `, STARVED ${measurement.pool.starved}` : ''})` : '';
          console.log(`round ${round}/${config.rounds}  ${measurement.name.padEnd(11)} ${formatRoundLine(result)}${pool}`);
          await sleep(PAUSE_BETWEEN_RUNS_MS);
        }
      }
      if (phase === 'refresh' && peer) {
        await peer.stop(); // nothing of it runs during the password phase
        peer = undefined;
      }
    }
  } finally {
    await peer?.stop();
    await gatehouse?.stop();
    await stopAllChildServers();
  }

  const summaries = measurements.filter((m) => m.rounds.length > 0).map((m) => ({ name: m.name, ...summariseRounds(m.rounds), roundRps: m.rounds.map((r) => r.rps) }));
  const ratios = computeRatios(summaries);
  printReport(measurements, summaries, ratios);
  await writeResults(RESULTS_FILE, {
    benchmark: 'sign-in',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    config: { ...config, pipelining: 1, loadTool: 'autocannon', threadpool: process.env.UV_THREADPOOL_SIZE ?? 'libuv default (4)' },
    targets: measurements.map(({ run: _run, check: _check, pool, ...record }) => ({ ...record, ...(pool ? { failures: Object.fromEntries(pool.failures), starved: pool.starved } : {}) })),
    summaries,
    ratios,
  });
  if (measurements.some((m) => m.error !== undefined)) process.exitCode = 1;
}

function parseCommandLine(): Phase[] {
  const { values } = parseArgs({ options: { only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(`usage: npx tsx bench/sign-in.ts [--only=${PHASES.join(',')}]`);
    process.exit(0);
  }
  if (values.only === undefined) return [...PHASES];
  const wanted = values.only.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = wanted.filter((name) => !(PHASES as readonly string[]).includes(name));
  if (unknown.length > 0 || wanted.length === 0) throw new Error(`--only: unknown phase(s) ${unknown.join(', ') || '(none given)'}; choose from ${PHASES.join(', ')}`);
  return PHASES.filter((phase) => wanted.includes(phase));
}

/** Users and a confidential client (password + refresh_token, unlimited refreshes) through the admin API. */
async function setUpGatehouse(gatehouse: GatehouseInstance): Promise<{ users: BenchUser[]; client: { clientId: string; clientSecret: string } }> {
  const admin = await GatehouseAdmin.connect(gatehouse.baseUrl, gatehouse.admin);
  const users = Array.from({ length: USER_COUNT }, (_, i) => ({ username: `bench-user-${i}`, password: `pw-${randomSecret()}` }));
  for (const user of users) await admin.createUser({ ...user, email: `${user.username}@bench.invalid`, given_name: 'Bench' });
  const client = await admin.createClient({
    client_name: 'sign-in bench',
    grant_types: ['password', 'refresh_token'],
    response_types: [],
    redirect_uris: [],
    scope: GATEHOUSE_SCOPE,
    refresh_token_limit: null,
  });
  return { users, client };
}

function refreshMeasurement(spec: { name: string; description: string; command: string; request: LoadRequest; pool: SingleUseTokenPool; connections: number }): Measurement {
  const bodies: DynamicBody = spec.pool.refreshBodies();
  return {
    name: spec.name,
    phase: 'refresh',
    description: spec.description,
    command: spec.command,
    pool: spec.pool,
    poolSizes: [],
    check: async () => {
      const response = await requestToken({ ...spec.request, body: bodies.next() });
      bodies.onResponse?.(200, JSON.stringify(response));
      return describeTokens(response);
    },
    run: (durationS) => runLoad({ ...spec.request, dynamicBody: bodies, durationS, connections: spec.connections }),
    rounds: [],
  };
}

/** Checks each target once before measuring, so a misconfigured one cannot post figures made of errors. */
async function verify(measurement: Measurement): Promise<void> {
  try {
    measurement.verified = await measurement.check();
    console.log(`verified ${measurement.name.padEnd(14)} ${measurement.verified}`);
  } catch (err) {
    measurement.error = (err as Error).message;
    console.log(`FAILED   ${measurement.name.padEnd(14)} ${measurement.error.split('\n').join('\n         ')}`);
  }
}

/** Insists on the full sign-in response: access token, ID token, refresh token. */
function describeTokens(response: TokenResponse): string {
  if (!response.refresh_token) throw new Error(`no refresh token in ${JSON.stringify(response).slice(0, 300)}`);
  if (!response.id_token) throw new Error(`no ID token in ${JSON.stringify(response).slice(0, 300)}`);
  return `access ${describeAccessToken(response.access_token)}, id_token ${describeAccessToken(response.id_token)}, `
    + `refresh token ${response.refresh_token.length} chars, scope "${response.scope ?? ''}"`;
}

interface ProbeResult extends LoadResult {
  phc: string;
  threadpool: string;
}

async function hashProbe(concurrency: number, durationS: number): Promise<ProbeResult> {
  const stdout = await runChildToCompletion({
    name: 'argon2-probe',
    args: tsxArgs('bench/probes/argon2-hash.ts'),
    cwd: REPO_ROOT,
    env: { CONCURRENCY: String(concurrency), DURATION_S: String(durationS), WARMUP_S: '0.5' },
    timeoutMs: (durationS + 30) * 1000,
  });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as ProbeResult;
}

function computeRatios(summaries: readonly (RoundsSummary & { name: string; roundRps: number[] })[]): Ratio[] {
  const byName = new Map(summaries.map((summary) => [summary.name, summary]));
  const ratio = (label: string, numerator: string, denominator: string, target: number, format: Ratio['format']): Ratio[] => {
    const n = byName.get(numerator);
    const d = byName.get(denominator);
    if (n === undefined || d === undefined) return [];
    const perRound = median(n.roundRps.flatMap((rps, i) => (d.roundRps[i] === undefined ? [] : [rps / d.roundRps[i]!])));
    return [{ label, numerator, denominator, throughput: n.medianRps / d.medianRps, perRound, p99: n.medianP99Ms / d.medianP99Ms, target, format }];
  };
  return [
    ...ratio('Gatehouse refresh / oidc-provider refresh', 'gh-refresh', 'op-refresh', REFRESH_RATIO_TARGET, 'times'),
    ...ratio('Gatehouse password / raw argon2id hash rate', 'gh-password', 'argon2-raw', PASSWORD_RATIO_TARGET, 'percent'),
  ];
}

function printReport(measurements: readonly Measurement[], summaries: readonly (RoundsSummary & { name: string })[], ratios: readonly Ratio[]): void {
  printSummaryTable(measurements, summaries);
  for (const m of measurements) {
    if (m.error !== undefined) console.log(`\n${m.name} was not measured: ${m.error.split('\n')[0] ?? ''}`);
    if (m.pool && m.pool.starved > 0) console.log(`\n${m.name}: ${m.pool.starved} requests found no unused refresh token (counted as non-2xx)`);
    for (const [what, count] of m.pool?.failures ?? []) console.log(`${m.name}: ${count} × ${what}`);
  }
  if (ratios.length > 0) {
    const show = (value: number, format: Ratio['format']) => (format === 'times' ? `${value.toFixed(2)}×` : `${(value * 100).toFixed(1)} %`);
    console.log('');
    console.log(renderTable(
      ['ratio', 'req/s (medians)', 'req/s (per round)', 'p99', 'target (req/s)', 'verdict'],
      ratios.map((r) => [r.label, show(r.throughput, r.format), show(r.perRound, r.format), `${r.p99.toFixed(2)}×`, `≥ ${show(r.target, r.format)}`, r.throughput >= r.target ? 'meets' : 'BELOW TARGET']),
      ['left', 'right', 'right', 'right', 'right', 'left'],
    ));
    console.log('(req/s ratio > 1: left side faster; p99 ratio < 1: left side has the lower tail latency;');
    console.log(' "per round": median of round-by-round ratios, the two measured back to back; the verdict uses the ratio of medians)');
  }
}
