// `npm run bench`: every benchmark of the project, one after the other, then docs/benchmarks.md
// and its plots from what they measured (bench/report.ts). A benchmark that fails is reported
// and the others still run.
//
//   npm run bench [-- --only=token-throughput,sign-in,gateway,concurrency,tenants,token-list]
//
// Each benchmark reads its own BENCH_* variables (see the head of each file). BENCH_QUICK=1
// shortens every round, for a smoke run of the whole chain. The token list is measured at every
// table size of BENCH_TOKEN_LIST_ROWS (default 100000,1000000,10000000), one results file each.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { repoPath } from './lib/paths.js';

const BENCHMARKS = ['token-throughput', 'sign-in', 'gateway', 'concurrency', 'tenants', 'token-list'] as const;

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const selected = values.only ? values.only.split(',').map((name) => name.trim()) : [...BENCHMARKS];
const unknown = selected.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark(s) ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  process.exit(2);
}

const quick = process.env.BENCH_QUICK === '1';
const quickEnv = quick ? { BENCH_DURATION_S: '2', BENCH_WARMUP_S: '1', BENCH_ROUNDS: '1', BENCH_REVOCATIONS: '50' } : {};
const tokenListRows = (process.env.BENCH_TOKEN_LIST_ROWS ?? (quick ? '10000' : '100000,1000000,10000000')).split(',').map((rows) => rows.trim());

function run(script: string, args: string[] = []): boolean {
  const child = spawnSync(process.execPath, ['--import', 'tsx', repoPath('bench', `${script}.ts`), ...args], { stdio: 'inherit', env: { ...quickEnv, ...process.env } });
  return child.status === 0;
}

const failed: string[] = [];
for (const name of selected) {
  console.log(`\n===== bench/${name}.ts =====`);
  if (name !== 'token-list') {
    if (!run(name)) failed.push(name);
    continue;
  }
  for (const rows of tokenListRows) rmSync(repoPath('bench', 'results', `token-list-${rows}.json`), { force: true });
  for (const rows of tokenListRows) {
    const written = repoPath('bench', 'results', 'token-list.json');
    rmSync(written, { force: true });
    if (!run(name, [`--rows=${rows}`])) failed.push(`${name} (${rows} rows)`);
    if (existsSync(written)) renameSync(written, repoPath('bench', 'results', `token-list-${rows}.json`));
  }
}
console.log('\n===== bench/report.ts =====');
const reported = run('report');
if (failed.length > 0) console.error(`\nbench: ${failed.join(', ')} failed; docs/benchmarks.md says which figures are missing`);
process.exit(failed.length > 0 || !reported ? 1 : 0);
