// Gateway figures, in one run:
//
//   overhead     throughput and latency of GET /bench/items/1 through Gatehouse's
//                gateway with a bearer token (gateway-auth), against the same
//                Proxy class with auth switched off (proxy-noauth,
//                bench/peers/noauth-proxy.ts), both in front of one upstream
//                (bench/peers/upstream.ts). Single node, SQLite.
//   revocation   how long a revocation made through node A takes to be enforced
//                by node B's gateway, two nodes on one throw-away PostgreSQL
//                (LISTEN/NOTIFY between them).
//
//   npx tsx bench/gateway.ts [--only=overhead,revocation]
//
// Env: BENCH_DURATION_S (5), BENCH_CONNECTIONS (32), BENCH_ROUNDS (3),
//      BENCH_WARMUP_S (20), BENCH_PIN (1 with two CPUs or more: the load generator
//      on CPU 0, the servers on the others; 0 to share), BENCH_REVOCATIONS (200), BENCH_POLL_INTERVAL_MS (2),
//      BENCH_POLL_TIMEOUT_MS (5000), BENCH_GATEHOUSE=auto|dist|tsx, BENCH_VERBOSE=1.
//
// Every server runs in its own child process on 127.0.0.1; this process only
// generates load (autocannon) or polls. The overhead targets are measured in
// alternating rounds, so that drift on the machine hits both alike, and the
// median round is reported; latencies are taken at full resolution (autocannon's
// own histogram counts whole milliseconds). Each round also reads the server's
// CPU time per request from /proc: what auth costs per request, a figure that
// other processes on the machine skew much less than req/s (the load average at
// the start is printed for the same reason). This prints figures and the
// targets from the issue; it asserts nothing about them.
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { stopAllChildServers } from './lib/child.js';
import { cpuPinning, describePinning } from './lib/cpu-pinning.js';
import { envPositiveInteger, envPositiveNumber } from './lib/env.js';
import { GatehouseAdmin } from './lib/gatehouse-admin.js';
import { resolveGatehouseLaunch, startGatehouse, type GatehouseInstance, type GatehouseLaunch } from './lib/gatehouse-process.js';
import { BENCH_SERVICE, publishBenchService } from './lib/gateway-fixture.js';
import { runLoad, type LoadRequest, type LoadResult } from './lib/load.js';
import { formatMachine, machineInfo } from './lib/machine.js';
import { clientCredentialsRequest, describeAccessToken, randomSecret, requestToken, revocationRequest } from './lib/oauth.js';
import { repoPath } from './lib/paths.js';
import { startNoAuthProxy, startUpstream, type PeerServer } from './lib/peer-process.js';
import { startThrowAwayPostgres } from './lib/postgres.js';
import { withProcessCpu } from './lib/process-cpu.js';
import { measurePropagation, type PropagationResult } from './lib/revocation-propagation.js';
import { armWatchdog, formatRps, summariseRounds, writeResults, type RoundsSummary, loadConfigFromEnv, type LoadConfig } from './lib/rounds.js';
import { median, percentile } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const PARTS = ['overhead', 'revocation'] as const;
type Part = (typeof PARTS)[number];

const RESULTS_FILE = repoPath('bench', 'results', 'gateway.json');
/** Lets sockets from the previous run close before the next target is loaded. */
const PAUSE_BETWEEN_RUNS_MS = 500;
/** Generous allowance for builds, PostgreSQL and server start-up in the overall time limit. */
const STARTUP_ALLOWANCE_S = 300;
/** Targets from the issue. */
const TARGETS = { maxThroughputLossPct: 10, maxAddedP99Ms: 1, maxPropagationP99Ms: 1000 } as const;

interface Config extends LoadConfig {
  revocations: number;
  pollIntervalMs: number;
  pollTimeoutMs: number;
}

// ---- part 1: auth overhead -------------------------------------------------------------------

type OverheadTargetName = 'gateway-auth' | 'proxy-noauth';

interface OverheadTarget {
  name: OverheadTargetName;
  description: string;
  request: LoadRequest;
  /** The server process under test, whose CPU time is measured. */
  pid: number;
  rounds: LoadResult[];
  /** Per round: the server's CPU time (user + system) per completed request, in µs; null where unreadable. */
  cpuUsPerRequest: (number | null)[];
}

interface OverheadSummary extends RoundsSummary {
  name: OverheadTargetName;
  /** Medians over the rounds of the full-resolution percentiles. */
  medianFineP50Ms: number;
  medianFineP99Ms: number;
  medianCpuUsPerRequest: number;
}

interface OverheadComparison {
  /** From the median rounds: (1 − gateway / baseline) × 100. */
  throughputLossPct: number;
  addedP50Ms: number;
  addedP99Ms: number;
  /** The same per pair of adjacent rounds (round i of each), to show the spread. */
  perRound: { throughputLossPct: number; addedP99Ms: number }[];
  /** Server CPU per request with auth minus without, in µs (medians of the rounds). */
  addedCpuUsPerRequest: number;
  /**
   * The loss a proxy that has a CPU to itself would see, from CPU per request alone:
   * (1 − noauth / auth) × 100. Far less skewed by other processes than the measured loss.
   */
  cpuBoundLossPct: number;
  lossTargetMet: boolean;
  p99TargetMet: boolean;
}

interface OverheadRecord {
  token?: string;
  targets: OverheadTarget[];
  summaries?: OverheadSummary[];
  comparison?: OverheadComparison;
  error?: string;
}

// ---- part 2: revocation propagation ----------------------------------------------------------

interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

interface RevocationRecord {
  nodes?: { a: string; b: string; issuer: string; database: string };
  method: string;
  summary?: {
    requested: number;
    enforced: number;
    timeouts: number;
    fromRevokeResponse: Distribution;
    fromRevokeSend: Distribution;
    revokeRoundTrip: Distribution;
    /** Revocations already enforced at the first poll after the revoke response arrived. */
    enforcedAtFirstPoll: number;
    unexpectedStatuses: Record<string, number>;
    stoppedEarly?: string;
    p99TargetMet: boolean;
  };
  /** Raw figures, one per enforced revocation, in order (for plotting). */
  raw?: { fromRevokeResponseMs: number[]; fromRevokeSendMs: number[]; revokeRoundTripMs: number[]; polls: number[] };
  skipped?: string;
  error?: string;
}

await main().catch((err: unknown) => {
  console.error(`gateway: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

async function main(): Promise<void> {
  const parts = parseCommandLine();
  // The overhead is the difference of two close figures. Sharing cores with the load generator,
  // and measured before they had warmed up (a proxy's cost per request settles after some 10 s),
  // identical runs differed by more than the difference itself: so by default the load generator
  // gets a core of its own (bench/lib/cpu-pinning.ts) and each target a 20 s warm-up.
  if (availableParallelism() >= 2) process.env.BENCH_PIN ??= '1';
  const config: Config = {
    ...loadConfigFromEnv(),
    warmupS: envPositiveNumber('BENCH_WARMUP_S', 20),
    revocations: envPositiveInteger('BENCH_REVOCATIONS', 200),
    pollIntervalMs: envPositiveNumber('BENCH_POLL_INTERVAL_MS', 2),
    pollTimeoutMs: envPositiveNumber('BENCH_POLL_TIMEOUT_MS', 5000),
  };
  const machine = machineInfo();
  const startedAt = new Date();
  armWatchdog('gateway', timeBudgetS(config, parts));

  const loadAtStart = loadavg();
  console.log(`machine: ${formatMachine(machine)}`);
  console.log(`busy:    ${describeLoad(loadAtStart, machine.cpuCount)}`);
  console.log(`parts:   ${parts.join(', ')}`);
  if (parts.includes('overhead')) {
    console.log(`load:    autocannon, ${config.connections} connections, pipelining 1, `
      + `${config.rounds} rounds × ${config.durationS} s per target after ${config.warmupS} s warm-up, GET ${BENCH_SERVICE.probePath}`);
    console.log(`cpus:    ${describePinning(cpuPinning())}`);
  }
  if (parts.includes('revocation')) {
    console.log(`revoke:  ${config.revocations} revocations, node B polled every ${config.pollIntervalMs} ms for at most ${config.pollTimeoutMs} ms each`);
  }
  console.log('');

  let overhead: OverheadRecord | undefined;
  let revocation: RevocationRecord | undefined;
  let launch: GatehouseLaunch | undefined;
  try {
    launch = await resolveGatehouseLaunch();
    console.log(`gatehouse: node ${launch.args.join(' ')}${launch.note === undefined ? '' : ` (${launch.note})`}\n`);
    // One upstream for everything: both proxies of part 1 and node B's gateway in part 2 forward to it.
    const upstream = await startUpstream();
    if (parts.includes('overhead')) overhead = await measureOverhead(config, launch, upstream.baseUrl);
    if (parts.includes('revocation')) revocation = await measureRevocation(config, launch, upstream.baseUrl);
  } finally {
    await stopAllChildServers();
  }

  if (overhead !== undefined) printOverhead(overhead);
  if (revocation !== undefined) printRevocation(revocation, config);
  await writeResults(RESULTS_FILE, {
    benchmark: 'gateway',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    // 1, 5 and 15 minute load averages: other processes competing for the CPU skew every figure here.
    loadAverage: { start: loadAtStart, end: loadavg() },
    config: { ...config, pipelining: 1, loadTool: 'autocannon', cpuPinning: cpuPinning() ?? null },
    gatehouse: launch === undefined ? undefined : { mode: launch.mode, command: `node ${launch.args.join(' ')}`, note: launch.note },
    targets: TARGETS,
    overhead,
    revocation,
  });
  if (overhead?.error !== undefined || revocation?.error !== undefined) process.exitCode = 1;
}

function parseCommandLine(): Part[] {
  const { values } = parseArgs({ options: { only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(`usage: npx tsx bench/gateway.ts [--only=${PARTS.join(',')}]`);
    process.exit(0);
  }
  if (values.only === undefined) return [...PARTS];
  const wanted = values.only.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = wanted.filter((name) => !(PARTS as readonly string[]).includes(name));
  if (unknown.length > 0 || wanted.length === 0) throw new Error(`--only: unknown part(s) ${unknown.join(', ') || '(none given)'}; choose from ${PARTS.join(', ')}`);
  return PARTS.filter((part) => wanted.includes(part));
}

/** Hard upper bound on the whole run, so a wedged server can never hang CI or a terminal. */
function timeBudgetS(config: Config, parts: readonly Part[]): number {
  const perRunS = config.durationS + PAUSE_BETWEEN_RUNS_MS / 1000 + 15; // + autocannon's request timeout, rounded up
  const overheadS = 2 * (config.warmupS + config.rounds * perRunS);
  // Per revocation: a token, two gateway calls and a revoke (~10 ms each), plus the polling bound.
  const revocationS = config.revocations * (config.pollTimeoutMs / 1000 + 1);
  return STARTUP_ALLOWANCE_S + (parts.includes('overhead') ? overheadS : 0) + (parts.includes('revocation') ? revocationS : 0);
}

// ---- part 1 ----------------------------------------------------------------------------------

async function measureOverhead(config: Config, launch: GatehouseLaunch, upstream: string): Promise<OverheadRecord> {
  console.log('== overhead: gateway with auth vs the same proxy without ==');
  const record: OverheadRecord = { targets: [] };
  const gatehouse = await startGatehouse(launch).catch((err: Error) => err);
  if (gatehouse instanceof Error) return { ...record, error: gatehouse.message };
  let baseline: PeerServer | undefined;
  try {
    const admin = await GatehouseAdmin.connect(gatehouse.baseUrl, gatehouse.admin);
    const client = await publishBenchService(admin, upstream);
    const token = (await requestToken(clientCredentialsRequest(`${gatehouse.baseUrl}/oauth/token`, client))).access_token;
    record.token = describeAccessToken(token);
    baseline = await startNoAuthProxy(upstream);

    // The same request bytes to both: the baseline receives the token too, and ignores it.
    const headers = { authorization: `Bearer ${token}` };
    record.targets = [
      {
        name: 'gateway-auth',
        description: `Gatehouse gateway (${launch.mode}): JWT verify, revocation + client check, scope trie, then Proxy.forward`,
        request: { url: `${gatehouse.gatewayUrl}${BENCH_SERVICE.probePath}`, headers },
        pid: gatehouse.server.pid,
        rounds: [],
        cpuUsPerRequest: [],
      },
      {
        name: 'proxy-noauth',
        description: 'bench/peers/noauth-proxy.ts: the same path normalisation and Proxy.forward, no auth',
        request: { url: `${baseline.baseUrl}${BENCH_SERVICE.probePath}`, headers },
        pid: baseline.server.pid,
        rounds: [],
        cpuUsPerRequest: [],
      },
    ];
    await verifyOverheadTargets(record.targets, gatehouse.gatewayUrl);
    console.log(`ready    token ${record.token}`);

    for (const target of record.targets) {
      console.log(`warm-up  ${target.name}`);
      await runLoad({ ...target.request, durationS: config.warmupS, connections: config.connections });
      await sleep(PAUSE_BETWEEN_RUNS_MS);
    }
    for (let round = 1; round <= config.rounds; round++) {
      for (const target of record.targets) {
        const { result, cpuMs } = await withProcessCpu(target.pid, () => runLoad({ ...target.request, durationS: config.durationS, connections: config.connections, fineLatency: true }));
        const cpuUs = cpuMs === undefined || result.completed === 0 ? null : (cpuMs * 1000) / result.completed;
        target.rounds.push(result);
        target.cpuUsPerRequest.push(cpuUs);
        console.log(`round ${round}/${config.rounds}  ${target.name.padEnd(12)} ${formatOverheadRound(result, cpuUs)}`);
        await sleep(PAUSE_BETWEEN_RUNS_MS);
      }
    }
    record.summaries = record.targets.map(summariseOverheadTarget);
    record.comparison = compareOverhead(record.targets, record.summaries);
  } catch (err) {
    record.error = (err as Error).message;
    console.log(`FAILED   overhead: ${record.error}`);
  } finally {
    await baseline?.stop();
    await gatehouse.stop();
  }
  console.log('');
  return record;
}

/**
 * Checks once that each target really reaches the upstream, and that the gateway really checks
 * tokens, so neither side can post figures made of 401s or of a proxy that lets anything through.
 */
async function verifyOverheadTargets(targets: readonly OverheadTarget[], gatewayUrl: string): Promise<void> {
  for (const target of targets) {
    const response = await fetch(target.request.url, { headers: target.request.headers, signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    if (response.status !== 200 || !text.includes('bench item')) throw new Error(`${target.name}: expected 200 with the upstream's body, got ${response.status} ${text.slice(0, 300)}`);
  }
  const anonymous = await fetch(`${gatewayUrl}${BENCH_SERVICE.probePath}`, { signal: AbortSignal.timeout(10_000) });
  await anonymous.arrayBuffer();
  if (anonymous.status !== 401) throw new Error(`the gateway answered ${anonymous.status} without a token, not 401: auth is not on`);
}

function formatOverheadRound(result: LoadResult, cpuUs: number | null): string {
  const flag = result.non2xx > 0 || result.errors > 0 ? `  FLAGGED: non-2xx=${result.non2xx} errors=${result.errors} codes=${JSON.stringify(result.statusCodes)}` : '';
  return `${formatRps(result.rps).padStart(8)} req/s  p50 ${formatLatency(result.fine?.p50)} ms  p99 ${formatLatency(result.fine?.p99)} ms  `
    + `server CPU ${(cpuUs ?? Number.NaN).toFixed(0).padStart(4)} µs/req${flag}`;
}

function formatLatency(ms: number | undefined): string {
  return (ms ?? Number.NaN).toFixed(2).padStart(6);
}

function summariseOverheadTarget(target: OverheadTarget): OverheadSummary {
  return {
    name: target.name,
    ...summariseRounds(target.rounds),
    medianFineP50Ms: median(target.rounds.map((round) => round.fine?.p50 ?? Number.NaN)),
    medianFineP99Ms: median(target.rounds.map((round) => round.fine?.p99 ?? Number.NaN)),
    medianCpuUsPerRequest: median(target.cpuUsPerRequest.map((cpuUs) => cpuUs ?? Number.NaN)),
  };
}

function compareOverhead(targets: readonly OverheadTarget[], summaries: readonly OverheadSummary[]): OverheadComparison | undefined {
  const gateway = summaries.find((summary) => summary.name === 'gateway-auth');
  const baseline = summaries.find((summary) => summary.name === 'proxy-noauth');
  const gatewayRounds = targets.find((target) => target.name === 'gateway-auth')?.rounds ?? [];
  const baselineRounds = targets.find((target) => target.name === 'proxy-noauth')?.rounds ?? [];
  if (gateway === undefined || baseline === undefined) return undefined;
  const lossPct = (auth: number, noAuth: number): number => (1 - auth / noAuth) * 100;
  const throughputLossPct = lossPct(gateway.medianRps, baseline.medianRps);
  const addedP99Ms = gateway.medianFineP99Ms - baseline.medianFineP99Ms;
  return {
    throughputLossPct,
    addedP50Ms: gateway.medianFineP50Ms - baseline.medianFineP50Ms,
    addedP99Ms,
    perRound: gatewayRounds.flatMap((auth, index) => {
      const noAuth = baselineRounds[index];
      return noAuth === undefined ? [] : [{ throughputLossPct: lossPct(auth.rps, noAuth.rps), addedP99Ms: (auth.fine?.p99 ?? Number.NaN) - (noAuth.fine?.p99 ?? Number.NaN) }];
    }),
    addedCpuUsPerRequest: gateway.medianCpuUsPerRequest - baseline.medianCpuUsPerRequest,
    cpuBoundLossPct: lossPct(baseline.medianCpuUsPerRequest, gateway.medianCpuUsPerRequest),
    lossTargetMet: throughputLossPct <= TARGETS.maxThroughputLossPct,
    p99TargetMet: addedP99Ms <= TARGETS.maxAddedP99Ms,
  };
}

function printOverhead(record: OverheadRecord): void {
  console.log('== overhead: results ==');
  if (record.error !== undefined) {
    console.log(`not measured: ${record.error.split('\n')[0] ?? ''}\n`);
    return;
  }
  const rows = (record.summaries ?? []).map((summary) => [
    summary.name,
    formatRps(summary.medianRps),
    `${formatRps(summary.minRps)}–${formatRps(summary.maxRps)}`,
    summary.medianFineP50Ms.toFixed(2),
    summary.medianFineP99Ms.toFixed(2),
    summary.medianCpuUsPerRequest.toFixed(0),
    String(summary.non2xx),
    String(summary.errors),
    summary.flaggedRounds.length === 0 ? '-' : `FLAGGED ${summary.flaggedRounds.join(',')}`,
  ]);
  console.log(renderTable(
    ['target', 'req/s (median)', 'req/s (range)', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'non-2xx', 'errors', 'rounds'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  ));
  const comparison = record.comparison;
  if (comparison === undefined) return;
  const perRound = comparison.perRound.map((pair) => `${pair.throughputLossPct.toFixed(1)} % / ${signed(pair.addedP99Ms)} ms`).join(', ');
  console.log(`\nthroughput loss with auth: ${comparison.throughputLossPct.toFixed(1)} %   (target ≤ ${TARGETS.maxThroughputLossPct} %: ${metOrNot(comparison.lossTargetMet)})`);
  console.log(`added p99 latency:         ${signed(comparison.addedP99Ms)} ms   (target ≤ ${TARGETS.maxAddedP99Ms} ms: ${metOrNot(comparison.p99TargetMet)})`);
  console.log(`added p50 latency:         ${signed(comparison.addedP50Ms)} ms`);
  console.log(`per round pair (loss / added p99): ${perRound}`);
  console.log(`server CPU per request:    ${signed(comparison.addedCpuUsPerRequest, 0)} µs with auth → ${comparison.cpuBoundLossPct.toFixed(1)} % loss for a proxy with a CPU to itself (estimate)`);
  console.log('(medians of the rounds; latencies at full resolution, measured by the load generator on the same machine)\n');
}

// ---- part 2 ----------------------------------------------------------------------------------

async function measureRevocation(config: Config, launch: GatehouseLaunch, upstream: string): Promise<RevocationRecord> {
  console.log('== revocation: node A revokes, node B enforces ==');
  const record: RevocationRecord = { method: 'POST /oauth/revoke on node A (RFC 7009, the client\'s Basic credentials)' };
  const postgres = await startThrowAwayPostgres().catch((err: Error) => err);
  if (postgres === undefined) return { ...record, skipped: 'PostgreSQL is not installed (apt-get install postgresql); two nodes need a shared database' };
  if (postgres instanceof Error) return { ...record, error: `PostgreSQL: ${postgres.message}` };
  const nodes: GatehouseInstance[] = [];
  try {
    // Nodes of one deployment: same database, secret key, admin client and issuer.
    const shared = { databaseUrl: postgres.url, secretKey: randomSecret(), admin: { clientId: 'bench-admin', clientSecret: randomSecret() } };
    const nodeA = await startGatehouse(launch, { name: 'gatehouse-a', ...shared });
    nodes.push(nodeA);
    const nodeB = await startGatehouse(launch, { name: 'gatehouse-b', ...shared, issuer: nodeA.baseUrl });
    nodes.push(nodeB);
    record.nodes = { a: nodeA.baseUrl, b: nodeB.gatewayUrl, issuer: nodeA.baseUrl, database: 'PostgreSQL (throw-away, loopback)' };
    console.log(`ready    node A ${nodeA.baseUrl} (issuer), node B gateway ${nodeB.gatewayUrl}`);

    const admin = await GatehouseAdmin.connect(nodeA.baseUrl, nodeA.admin);
    const client = await publishBenchService(admin, upstream);
    const progressEvery = Math.max(1, Math.round(config.revocations / 4));
    const result = await measurePropagation({
      count: config.revocations,
      tokenRequest: clientCredentialsRequest(`${nodeA.baseUrl}/oauth/token`, client),
      revocationRequest: (token) => revocationRequest(`${nodeA.baseUrl}/oauth/revoke`, client, token),
      gatewayUrl: nodeB.gatewayUrl,
      probePath: BENCH_SERVICE.probePath,
      pollIntervalMs: config.pollIntervalMs,
      pollTimeoutMs: config.pollTimeoutMs,
      maxConsecutiveTimeouts: 5,
      onProgress: (done) => {
        if (done % progressEvery === 0 || done === config.revocations) console.log(`revoked  ${done}/${config.revocations}`);
      },
    });
    Object.assign(record, summariseRevocations(config, result));
  } catch (err) {
    record.error = (err as Error).message;
    console.log(`FAILED   revocation: ${record.error}`);
  } finally {
    // The nodes first, while their database is still there.
    await Promise.all(nodes.map((node) => node.stop()));
    postgres.stop();
  }
  console.log('');
  return record;
}

function summariseRevocations(config: Config, result: PropagationResult): Pick<RevocationRecord, 'summary' | 'raw'> {
  const fromRevokeResponse = distribution(result.fromResponseMs);
  return {
    summary: {
      requested: config.revocations,
      enforced: result.fromResponseMs.length,
      timeouts: result.timeouts,
      fromRevokeResponse,
      fromRevokeSend: distribution(result.fromSendMs),
      revokeRoundTrip: distribution(result.revokeMs),
      enforcedAtFirstPoll: result.polls.filter((polls) => polls === 1).length,
      unexpectedStatuses: result.unexpected,
      ...(result.stoppedEarly === undefined ? {} : { stoppedEarly: result.stoppedEarly }),
      // Every revocation must have been enforced for the percentile to mean anything.
      p99TargetMet: result.timeouts === 0 && result.stoppedEarly === undefined && fromRevokeResponse.p99 <= TARGETS.maxPropagationP99Ms,
    },
    raw: {
      fromRevokeResponseMs: result.fromResponseMs.map(roundMicro),
      fromRevokeSendMs: result.fromSendMs.map(roundMicro),
      revokeRoundTripMs: result.revokeMs.map(roundMicro),
      polls: result.polls,
    },
  };
}

function distribution(values: readonly number[]): Distribution {
  return {
    count: values.length,
    p50: percentile(values, 0.5),
    p90: percentile(values, 0.9),
    p99: percentile(values, 0.99),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
    mean: values.length === 0 ? Number.NaN : values.reduce((total, value) => total + value, 0) / values.length,
  };
}

function printRevocation(record: RevocationRecord, config: Config): void {
  console.log('== revocation: results ==');
  if (record.skipped !== undefined) {
    console.log(`skipped: ${record.skipped}\n`);
    return;
  }
  if (record.error !== undefined) console.log(`error: ${record.error.split('\n')[0] ?? ''}`);
  const summary = record.summary;
  if (summary === undefined) return;
  const row = (label: string, d: Distribution): string[] => [label, String(d.count), d.p50.toFixed(2), d.p90.toFixed(2), d.p99.toFixed(2), d.max.toFixed(2), d.mean.toFixed(2)];
  console.log(renderTable(
    ['latency (ms)', 'count', 'p50', 'p90', 'p99', 'max', 'mean'],
    [
      row('first 401 on B − revoke response (t0)', summary.fromRevokeResponse),
      row('first 401 on B − revoke sent (t_send)', summary.fromRevokeSend),
      row('revoke round trip on A', summary.revokeRoundTrip),
    ],
    ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  ));
  console.log(`\n${record.method}; node B polled every ${config.pollIntervalMs} ms (one loopback request each, its round trip included)`);
  console.log(`enforced ${summary.enforced}/${summary.requested}, timeouts (> ${config.pollTimeoutMs} ms) ${summary.timeouts}, already enforced at the first poll ${summary.enforcedAtFirstPoll}`);
  if (Object.keys(summary.unexpectedStatuses).length > 0) console.log(`node B also answered: ${JSON.stringify(summary.unexpectedStatuses)}`);
  if (summary.stoppedEarly !== undefined) console.log(`stopped early: ${summary.stoppedEarly}`);
  console.log(`propagation p99 ${summary.fromRevokeResponse.p99.toFixed(2)} ms (target ≤ ${TARGETS.maxPropagationP99Ms} ms: ${metOrNot(summary.p99TargetMet)})\n`);
}

// ---- formatting ------------------------------------------------------------------------------

function describeLoad([oneMinute = 0]: number[], cores: number): string {
  const warning = oneMinute > cores / 2 ? ' — WARNING: other processes are using the CPU; the figures will be skewed' : '';
  return `load average ${oneMinute.toFixed(2)} over the last minute on ${cores} cores${warning}`;
}

function metOrNot(met: boolean): string {
  return met ? 'met' : 'NOT met';
}

function signed(value: number, digits = 2): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}

function roundMicro(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
