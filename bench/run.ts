// `npm run bench`: every benchmark of the project, one after the other, then docs/benchmarks.md
// and its plots from what they measured (bench/report.ts). A benchmark that fails is reported
// and the others still run.
//
//   npm run bench [-- --only=token-throughput,sign-in,gateway,concurrency,tenants,token-list]
//
// Each benchmark reads its own BENCH_* variables (see the head of each file). BENCH_QUICK=1
// shortens every round, for a smoke run of the whole chain.
import { spawnSync } from 'node:child_process';
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

const quick = process.env.BENCH_QUICK === '1' ? { BENCH_DURATION_S: '2', BENCH_WARMUP_S: '1', BENCH_ROUNDS: '1', BENCH_REVOCATIONS: '50', BENCH_TOKEN_ROWS: '100000' } : {};
const failed: string[] = [];
for (const name of selected) {
  console.log(`\n===== bench/${name}.ts =====`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', repoPath('bench', `${name}.ts`)], { stdio: 'inherit', env: { ...quick, ...process.env } });
  if (run.status !== 0) failed.push(name);
}
console.log('\n===== bench/report.ts =====');
const report = spawnSync(process.execPath, ['--import', 'tsx', repoPath('bench', 'report.ts')], { stdio: 'inherit' });
if (failed.length > 0) console.error(`\nbench: ${failed.join(', ')} failed; docs/benchmarks.md says which figures are missing`);
process.exit(failed.length > 0 || report.status !== 0 ? 1 : 0);
