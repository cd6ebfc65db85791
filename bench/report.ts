// Writes docs/benchmarks.md and its plots from bench/results/*.json (what `npm run bench` just
// measured): the targets of every issue marked met or not, one section per benchmark, and SVG
// plots of throughput and p99 against concurrency, revocation propagation, and token-list latency
// against table size. A benchmark that did not run is said to be missing, never invented.
//
//   npx tsx bench/report.ts
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describePinning } from './lib/cpu-pinning.js';
import { repoPath } from './lib/paths.js';
import { median } from './lib/stats.js';
import { histogram, lineChart, type Series } from './lib/svg.js';

type Json = any;

function results(name: string): Json | undefined {
  const file = repoPath('bench', 'results', `${name}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

const rps = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => (value >= 10 ? value.toFixed(0) : value.toFixed(1));
const times = (value: number) => `${value.toFixed(2)}×`;
const verdict = (met: boolean | undefined) => (met === undefined ? 'not measured' : met ? '**met**' : '**not met**');

interface TargetRow {
  issue: number;
  what: string;
  target: string;
  measured: string;
  met: boolean | undefined;
}

const tokenThroughput = results('token-throughput');
const signIn = results('sign-in');
const gateway = results('gateway');
const concurrency = results('concurrency');
const tenants = results('tenants');

interface ListRun {
  store: string;
  rows: number;
  seedS?: number;
  worstP99Ms: number;
  queries: { name: string; p50Ms: number; p99Ms: number; items: number }[];
}

/** Every token-list run (bench/run.ts keeps one file per table size), smallest table first. */
function tokenListRuns(): ListRun[] {
  const directory = repoPath('bench', 'results');
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => /^token-list.*\.json$/.test(name))
    .flatMap((name) => (JSON.parse(readFileSync(join(directory, name), 'utf8')).results ?? []) as Json[])
    .filter((run) => !run.error && run.queries?.length)
    .map((run) => ({ store: run.store, rows: run.rows, seedS: run.seedS, queries: run.queries, worstP99Ms: Math.max(...run.queries.map((q: Json) => q.p99Ms)) }))
    .sort((a, b) => a.rows - b.rows || a.store.localeCompare(b.store));
}
const tokenList = tokenListRuns();

function ratio(file: Json, match: string): Json | undefined {
  return (file?.ratios ?? []).find((r: Json) => String(r.label).includes(match));
}

function targetRows(): TargetRow[] {
  const rows: TargetRow[] = [];
  const token = ratio(tokenThroughput, 'oidc-provider mode');
  rows.push({ issue: 2, what: 'token endpoint (client_credentials) vs oidc-provider', target: '≥ 3×', measured: token ? times(token.throughput) : '-', met: token ? token.throughput >= 3 : undefined });
  const refresh = ratio(signIn, 'refresh');
  rows.push({ issue: 3, what: 'refresh grant vs oidc-provider', target: '≥ 2.5×', measured: refresh ? times(refresh.throughput) : '-', met: refresh ? refresh.throughput >= 2.5 : undefined });
  const password = ratio(signIn, 'password');
  rows.push({ issue: 3, what: 'password grant vs raw argon2id hash rate', target: '≥ 90 %', measured: password ? `${(password.throughput * 100).toFixed(0)} %` : '-', met: password ? password.throughput >= 0.9 : undefined });
  const comparison = gateway?.overhead?.comparison;
  rows.push({ issue: 4, what: 'gateway throughput loss vs the same proxy without auth', target: '≤ 10 %', measured: comparison ? `${comparison.throughputLossPct.toFixed(1)} %` : '-', met: comparison?.lossTargetMet });
  rows.push({ issue: 4, what: 'gateway added p99', target: '≤ 1 ms', measured: comparison ? `${comparison.addedP99Ms.toFixed(2)} ms` : '-', met: comparison?.p99TargetMet });
  const propagation = gateway?.revocation?.summary;
  rows.push({ issue: 4, what: 'revocation propagation node A → node B, p99', target: '≤ 1 s', measured: propagation ? `${ms(propagation.fromRevokeResponse.p99)} ms` : '-', met: propagation?.p99TargetMet });
  const largest = Math.max(0, ...tokenList.map((run) => run.rows));
  for (const run of tokenList.filter((r) => r.rows === largest)) {
    rows.push({ issue: 5, what: `admin token list, worst query p99 at ${rps(run.rows)} rows, ${run.store}`, target: '≤ 50 ms', measured: `${ms(run.worstP99Ms)} ms`, met: run.worstP99Ms <= 50 });
  }
  if (tokenList.length === 0) rows.push({ issue: 5, what: 'admin token list p99 at 10 M rows', target: '≤ 50 ms', measured: '-', met: undefined });
  for (const r of tenants?.ratios ?? []) {
    rows.push({ issue: 6, what: `${r.grant} throughput, ${rps(tenants.config.tenants)} tenants / 1 tenant`, target: '≥ 0.9', measured: times(r.throughput), met: r.throughput >= 0.9 });
  }
  if (!tenants) rows.push({ issue: 6, what: '1,000 tenants vs 1 tenant throughput', target: '≥ 0.9', measured: '-', met: undefined });
  return rows;
}

function table(headers: string[], rows: string[][]): string {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function summaryTable(file: Json): string {
  const summaries: Json[] = file?.summaries ?? [];
  const descriptions = new Map((file?.targets ?? []).map((t: Json) => [t.name, t.description]));
  return table(
    ['target', 'req/s (median)', 'range', 'p99 ms', 'what'],
    summaries.map((s) => [s.name, rps(s.medianRps), `${rps(s.minRps)}–${rps(s.maxRps)}`, ms(s.medianP99Ms), String(descriptions.get(s.name) ?? '')]),
  );
}

function concurrencySeries(metric: 'rps' | 'p99'): Series[] {
  return (concurrency?.targets ?? [])
    .filter((t: Json) => t.points.length > 0)
    .map((t: Json) => ({ name: t.name, points: t.points.map((p: Json) => ({ x: p.connections, y: p.result[metric] })) }));
}

function writePlots(): string[] {
  const written: string[] = [];
  const write = (name: string, svg: string) => {
    writeFileSync(repoPath('docs', name), svg);
    written.push(name);
  };
  if (concurrency) {
    write('bench-throughput.svg', lineChart(concurrencySeries('rps'), { title: 'Token endpoint throughput vs concurrency', xLabel: 'connections (log scale)', yLabel: 'req/s', logX: true }));
    write('bench-p99.svg', lineChart(concurrencySeries('p99'), { title: 'Token endpoint p99 latency vs concurrency', xLabel: 'connections (log scale)', yLabel: 'p99 ms', logX: true }));
  }
  const raw: number[] = gateway?.revocation?.raw?.fromRevokeResponseMs ?? [];
  const summary = gateway?.revocation?.summary?.fromRevokeResponse;
  if (raw.length > 0) {
    const marks = summary ? [{ label: `p50 ${ms(summary.p50)}`, ms: summary.p50 }, { label: `p99 ${ms(summary.p99)}`, ms: summary.p99 }] : [];
    write('bench-propagation.svg', histogram(raw, { title: `Revocation propagation, node A → node B (${raw.length} revocations)`, binMs: 0.5, marks }));
  }
  const listSeries: Series[] = [...new Set(tokenList.map((run) => run.store))].map((store) => ({
    name: `${store}, worst query p99`,
    points: tokenList.filter((run) => run.store === store).map((run) => ({ x: run.rows, y: run.worstP99Ms })),
  }));
  if (listSeries.length > 0) write('bench-token-list.svg', lineChart(listSeries, { title: 'Admin token list p99 vs table size', xLabel: 'token rows (log scale)', yLabel: 'p99 ms (worst query)', logX: true }));
  return written;
}

function section(title: string, file: Json, body: () => string): string {
  if (!file) return `## ${title}\n\nNot measured in this run.\n`;
  return `## ${title}\n\n${file.startedAt ? `Run ${file.startedAt}.\n\n` : ''}${body()}\n`;
}

function render(plots: string[]): string {
  const machine = (tokenThroughput ?? signIn ?? gateway ?? concurrency)?.machine;
  const plot = (name: string, alt: string) => (plots.includes(name) ? `\n![${alt}](${name})\n` : '');
  const parts: string[] = [];
  parts.push(`# Benchmarks

Generated by \`npm run bench\` (bench/run.ts, then bench/report.ts) from \`bench/results/*.json\`; do not edit by hand.
Every benchmark is a program in \`bench/\` that prints figures; none is a timed assertion in a test.

Machine: ${machine ? `${machine.cpuModel}, ${machine.cpuCount} vCPU, ${machine.totalMemoryGiB} GiB, Node ${machine.node}, ${machine.os}` : 'unknown'}.
The load generator (autocannon) shares the cores with the servers under test (the gateway section says where it does not), and each figure comes
from **one run**: read the ratios between targets measured side by side, not the absolute figures.

## Targets

${table(['issue', 'what', 'target', 'measured', 'verdict'], targetRows().map((r) => [String(r.issue), r.what, r.target, r.measured, verdict(r.met)]))}
`);
  parts.push(section('Token endpoint — bench/token-throughput.ts (issue 2)', tokenThroughput, () =>
    `POST /oauth/token, client_credentials, Basic auth, ${tokenThroughput.config.connections} connections, ${tokenThroughput.config.rounds} × ${tokenThroughput.config.durationS} s rounds, median round. Gatehouse on SQLite with synchronous=FULL: every token is committed and fsynced before its response.\n\n${summaryTable(tokenThroughput)}\n\n${table(['ratio', 'req/s', 'p99'], (tokenThroughput.ratios ?? []).map((r: Json) => [r.label, times(r.throughput), times(r.p99)]))}`));
  parts.push(section('Throughput and p99 vs concurrency; single node vs cluster — bench/concurrency.ts (issue 9)', concurrency, () => {
    const targets: Json[] = concurrency.targets;
    const failed = targets.filter((t) => t.error).map((t) => `\n${t.name} was not measured: ${String(t.error).split('\n')[0]}`).join('');
    return `${table(['connections', ...targets.map((t) => `${t.name} req/s (p99 ms)`)], concurrency.config.levels.map((c: number) => [String(c), ...targets.map((t) => {
      const point = t.points.find((p: Json) => p.connections === c);
      return point ? `${rps(point.result.rps)} (${ms(point.result.p99)})` : '-';
    })]))}\n\n${targets.map((t) => `- **${t.name}**: ${t.description}`).join('\n')}${failed}\n${plot('bench-throughput.svg', 'throughput vs concurrency')}${plot('bench-p99.svg', 'p99 vs concurrency')}`;
  }));
  parts.push(section('Refresh and password grants — bench/sign-in.ts (issue 3)', signIn, () =>
    `${summaryTable(signIn)}\n\n${table(['ratio', 'measured', 'target'], (signIn.ratios ?? []).map((r: Json) => [r.label, r.format === 'percent' ? `${(r.throughput * 100).toFixed(0)} %` : times(r.throughput), r.format === 'percent' ? `≥ ${r.target * 100} %` : `≥ ${r.target}×`]))}`));
  parts.push(section('Gateway — bench/gateway.ts (issue 4)', gateway, () => {
    const overhead = gateway.overhead;
    const revocation = gateway.revocation?.summary;
    const overheadText = overhead?.summaries
      ? `${table(['target', 'req/s (median)', 'p50 ms', 'p99 ms', 'CPU µs/request'], overhead.summaries.map((s: Json) => [s.name, rps(s.medianRps), ms(s.medianFineP50Ms), ms(s.medianFineP99Ms), rps(s.medianCpuUsPerRequest)]))}\n\nCPUs: ${describePinning(gateway.config?.cpuPinning ?? undefined)}; ${gateway.config?.warmupS ?? '?'} s warm-up per target. Throughput loss ${overhead.comparison.throughputLossPct.toFixed(1)} %, added p50 ${overhead.comparison.addedP50Ms.toFixed(2)} ms, added p99 ${overhead.comparison.addedP99Ms.toFixed(2)} ms.`
      : 'Overhead not measured in this run.';
    const revocationText = revocation
      ? `Revocation through node A, enforced by node B's gateway (PostgreSQL LISTEN/NOTIFY): ${revocation.enforced}/${revocation.requested} enforced; after A's answer p50 ${ms(revocation.fromRevokeResponse.p50)} ms, p99 ${ms(revocation.fromRevokeResponse.p99)} ms, max ${ms(revocation.fromRevokeResponse.max)} ms.`
      : `Revocation propagation not measured in this run${gateway.revocation?.skipped ? `: ${gateway.revocation.skipped}` : ''}.`;
    return `${overheadText}\n\n${revocationText}\n${plot('bench-propagation.svg', 'revocation propagation')}`;
  }));
  parts.push(section('Admin token list at scale — bench/token-list.ts (issue 5)', tokenList.length ? tokenList : undefined, () =>
    `GET /admin/api/v1/tokens through the HTTP API, 200 requests per query, each page 50 items.\n\n${table(['store', 'rows', 'seeding', 'query', 'p50 ms', 'p99 ms'], tokenList.flatMap((run) => run.queries.map((q) => [run.store, rps(run.rows), run.seedS === undefined ? '-' : `${run.seedS.toFixed(0)} s`, q.name, ms(q.p50Ms), ms(q.p99Ms)])))}\n${plot('bench-token-list.svg', 'token list latency vs table size')}`));
  parts.push(section('1 tenant vs 1,000 tenants — bench/tenants.ts (issue 6)', tenants, () =>
    `${summaryTable(tenants)}\n\n${table(['server', 'tenants', 'RSS after setup MiB', 'RSS after load MiB'], (['one', 'many'] as const).map((server) => {
      const memory = tenants.memory?.[server] ?? {};
      return [server, rps(memory.tenants ?? 0), memory.rssAfterSetupMiB?.toFixed(0) ?? '-', memory.rssAfterLoadMiB?.toFixed(0) ?? '-'];
    }))}\n\n${table(['target', 'server CPU µs per request (median)'], (tenants.targets ?? []).map((t: Json) => [t.name, t.cpuUsPerRequest?.length ? median(t.cpuUsPerRequest).toFixed(0) : '-']))}\n\nSetting up the tenants (admin API) took ${tenants.config.provisioningS?.toFixed(0) ?? '-'} s.`));
  // The interpretation (why a target is or is not met, what would move it) is written by hand.
  const notes = repoPath('bench', 'NOTES.md');
  if (existsSync(notes)) parts.push(readFileSync(notes, 'utf8'));
  return parts.join('\n');
}

const plots = writePlots();
writeFileSync(repoPath('docs', 'benchmarks.md'), render(plots));
console.log(`wrote docs/benchmarks.md${plots.length ? ` and docs/${plots.join(', docs/')}` : ''}`);
