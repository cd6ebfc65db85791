// Multi-tenancy cost (issue 6): client_credentials and API-key exchange throughput on a server
// holding 1 tenant and on one holding 1,000 tenants, with the load spread over every tenant's
// client in the second case; and each server's resident memory.
//
//   npx tsx bench/tenants.ts [--tenants=1000]
//
// Env: BENCH_DURATION_S (5), BENCH_CONNECTIONS (32), BENCH_ROUNDS (3), BENCH_WARMUP_S (2),
//      BENCH_GATEHOUSE=auto|dist|tsx, BENCH_VERBOSE=1.
//
// Both servers run at once, each in its own process on its own SQLite file, and are measured in
// alternating rounds so drift on the machine hits both alike. Target: the many-tenant server
// keeps ≥ 0.9 of the single tenant's throughput. This prints figures; it asserts nothing.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { stopAllChildServers } from './lib/child.js';
import { GatehouseAdmin } from './lib/gatehouse-admin.js';
import { resolveGatehouseLaunch, startGatehouse, type GatehouseInstance } from './lib/gatehouse-process.js';
import { runLoad, type DynamicRequest, type LoadResult } from './lib/load.js';
import { formatMachine, machineInfo } from './lib/machine.js';
import { basicAuthorization, requestToken, type ClientCredentials } from './lib/oauth.js';
import { repoPath } from './lib/paths.js';
import { withProcessCpu } from './lib/process-cpu.js';
import { processRssMiB } from './lib/process-memory.js';
import { armWatchdog, formatRoundLine, loadConfigFromEnv, printSummaryTable, summariseRounds, writeResults } from './lib/rounds.js';
import { renderTable } from './lib/table.js';

const RESULTS_FILE = repoPath('bench', 'results', 'tenants.json');
const PAUSE_BETWEEN_RUNS_MS = 500;
/** Admin API calls in flight while provisioning tenants. */
const PROVISIONING_CONCURRENCY = 8;
/** Start-up, build and provisioning allowance in the overall time limit. */
const SETUP_ALLOWANCE_S = 900;

/** One tenant as the load sees it: where its token endpoint is, its client and a user's API key. */
interface TenantFixture {
  path: string;
  client: ClientCredentials;
  apiKey: string;
}

type Grant = 'client_credentials' | 'api_key';

interface Target {
  name: string;
  description: string;
  server: 'one' | 'many';
  grant: Grant;
  rounds: LoadResult[];
  /** Server CPU (all its threads) per completed request, per round: what a request costs, whatever else competes for the cores. */
  cpuUsPerRequest: number[];
}

await main().catch((err: unknown) => {
  console.error(`tenants: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

async function main(): Promise<void> {
  const tenantCount = parseCommandLine();
  const config = loadConfigFromEnv();
  const machine = machineInfo();
  const startedAt = new Date();
  armWatchdog('tenants', SETUP_ALLOWANCE_S + 4 * (config.warmupS + config.rounds * (config.durationS + 16)));
  console.log(`machine: ${formatMachine(machine)}`);
  console.log(`load:    autocannon, ${config.connections} connections, ${config.rounds} rounds × ${config.durationS} s per target after ${config.warmupS} s warm-up`);

  const targets: Target[] = [
    { name: 'cc-1', description: 'client_credentials, server with 1 tenant', server: 'one', grant: 'client_credentials', rounds: [], cpuUsPerRequest: [] },
    { name: `cc-${tenantCount}`, description: `client_credentials, server with ${tenantCount} tenants, load over all of them`, server: 'many', grant: 'client_credentials', rounds: [], cpuUsPerRequest: [] },
    { name: 'apikey-1', description: 'API-key exchange (GAM form), server with 1 tenant', server: 'one', grant: 'api_key', rounds: [], cpuUsPerRequest: [] },
    { name: `apikey-${tenantCount}`, description: `API-key exchange (GAM form), server with ${tenantCount} tenants, load over all of them`, server: 'many', grant: 'api_key', rounds: [], cpuUsPerRequest: [] },
  ];
  const memory: Record<'one' | 'many', { tenants: number; rssAfterSetupMiB?: number; rssAfterLoadMiB?: number }> = { one: { tenants: 1 }, many: { tenants: tenantCount } };
  const servers: Partial<Record<'one' | 'many', GatehouseInstance>> = {};
  let provisioningS: number | undefined;
  let command = '';
  try {
    const launch = await resolveGatehouseLaunch();
    command = `node ${launch.args.join(' ')}`;
    const fixtures = {} as Record<'one' | 'many', TenantFixture[]>;
    for (const server of ['one', 'many'] as const) {
      const instance = (servers[server] = await startGatehouse(launch, { name: `gatehouse-${server}` }));
      const started = Date.now();
      fixtures[server] = await provision(instance, memory[server].tenants);
      if (server === 'many') provisioningS = (Date.now() - started) / 1000;
      console.log(`ready    ${server}: ${memory[server].tenants} tenant(s) provisioned in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    // Provisioning went through the admin API only: what the servers hold now is their base
    // state plus what creating tenants touched.
    for (const server of ['one', 'many'] as const) memory[server].rssAfterSetupMiB = processRssMiB(servers[server]!.server.pid);

    const load = (target: Target, durationS: number) => {
      const instance = servers[target.server]!;
      return runLoad({ url: `${instance.baseUrl}/`, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, spread: roundRobin(fixtures[target.server], target.grant), durationS, connections: config.connections });
    };
    for (const target of targets) {
      await verify(servers[target.server]!, fixtures[target.server], target.grant);
      console.log(`warm-up  ${target.name}`);
      await load(target, config.warmupS);
      await sleep(PAUSE_BETWEEN_RUNS_MS);
    }
    for (let round = 1; round <= config.rounds; round++) {
      for (const target of targets) {
        const { result, cpuMs } = await withProcessCpu(servers[target.server]!.server.pid, () => load(target, config.durationS));
        target.rounds.push(result);
        const cpuUs = cpuMs === undefined || result.completed === 0 ? undefined : (cpuMs * 1000) / result.completed;
        if (cpuUs !== undefined) target.cpuUsPerRequest.push(cpuUs);
        console.log(`round ${round}/${config.rounds}  ${target.name.padEnd(12)} ${formatRoundLine(result)}${cpuUs === undefined ? '' : `  server CPU ${cpuUs.toFixed(0)} µs/req`}`);
        await sleep(PAUSE_BETWEEN_RUNS_MS);
      }
    }
    for (const server of ['one', 'many'] as const) memory[server].rssAfterLoadMiB = processRssMiB(servers[server]!.server.pid);
  } finally {
    await Promise.all(Object.values(servers).map((instance) => instance.stop()));
    await stopAllChildServers();
  }

  const summaries = targets.map((target) => ({ name: target.name, ...summariseRounds(target.rounds) }));
  const ratio = (grant: Grant) => {
    const median = (server: Target['server']) => summaries.find((summary) => summary.name === targets.find((t) => t.server === server && t.grant === grant)!.name)!;
    const [one, many] = [median('one'), median('many')];
    return { grant, throughput: many.medianRps / one.medianRps, p99: many.medianP99Ms / one.medianP99Ms };
  };
  const ratios = [ratio('client_credentials'), ratio('api_key')];
  printSummaryTable(targets, summaries);
  console.log(`\n${renderTable(
    ['ratio', `req/s ${tenantCount} tenants / 1 tenant`, 'p99'],
    ratios.map((r) => [r.grant, `${r.throughput.toFixed(2)}× (target ≥ 0.90)`, `${r.p99.toFixed(2)}×`]),
    ['left', 'right', 'right'],
  )}`);
  const mib = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(0));
  console.log(`\n${renderTable(
    ['server', 'tenants', 'RSS after setup (MiB)', 'RSS after load (MiB)'],
    (['one', 'many'] as const).map((server) => [server, String(memory[server].tenants), mib(memory[server].rssAfterSetupMiB), mib(memory[server].rssAfterLoadMiB)]),
    ['left', 'right', 'right', 'right'],
  )}`);
  await writeResults(RESULTS_FILE, {
    benchmark: 'tenants',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    command,
    config: { ...config, tenants: tenantCount, pipelining: 1, loadTool: 'autocannon', provisioningS },
    targets,
    summaries,
    ratios,
    memory,
  });
}

function parseCommandLine(): number {
  const { values } = parseArgs({ options: { tenants: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('usage: npx tsx bench/tenants.ts [--tenants=1000]');
    process.exit(0);
  }
  const count = Number(values.tenants ?? 1000);
  if (!Number.isInteger(count) || count < 2) throw new Error(`--tenants must be an integer ≥ 2, got ${values.tenants}`);
  return count;
}

/**
 * `count` tenants, each with a confidential client that accepts API keys, a user and that user's
 * key, all through the admin API (the default tenant's admin creates the tenant, the tenant's
 * own admin client the rest).
 */
async function provision(instance: GatehouseInstance, count: number): Promise<TenantFixture[]> {
  const root = await GatehouseAdmin.connect(instance.baseUrl, instance.admin);
  const fixtures: TenantFixture[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const id = `t${String(i).padStart(5, '0')}`;
      const tenant = await root.createTenant(id);
      const admin = await GatehouseAdmin.connect(tenant.issuer, tenant.admin);
      const client = await admin.createClient({ client_name: 'bench app', grant_types: ['client_credentials'], response_types: [], scope: 'user_email', api_key_enabled: true });
      const userId = await admin.createUser({ username: 'bench-user' });
      fixtures[i] = { path: `${new URL(tenant.issuer).pathname}/oauth/token`, client, apiKey: await admin.createApiKey(userId, client.clientId) };
    }
  };
  await Promise.all(Array.from({ length: PROVISIONING_CONCURRENCY }, worker));
  return fixtures;
}

function requestFor(fixture: TenantFixture, grant: Grant): DynamicRequest {
  const params: Record<string, string> = grant === 'client_credentials' ? { grant_type: 'client_credentials' } : { grant_type: 'password', authentication_type_name: 'apikey', api_key: fixture.apiKey };
  return { path: fixture.path, body: new URLSearchParams(params).toString(), headers: { authorization: basicAuthorization(fixture.client) } };
}

/** Requests going round the tenants, so every tenant's state is in use during a run. */
function roundRobin(fixtures: readonly TenantFixture[], grant: Grant): () => DynamicRequest {
  const requests = fixtures.map((fixture) => requestFor(fixture, grant));
  let i = 0;
  return () => requests[i++ % requests.length]!;
}

/** One request per tenant before measuring: figures made of errors would be worthless. */
async function verify(instance: GatehouseInstance, fixtures: readonly TenantFixture[], grant: Grant): Promise<void> {
  for (const fixture of [fixtures[0]!, fixtures.at(-1)!]) {
    const request = requestFor(fixture, grant);
    await requestToken({ url: `${instance.baseUrl}${request.path}`, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...request.headers }, body: request.body });
  }
}
