import { renderTable } from './table.js';
import { envPositiveInteger, envPositiveNumber } from './env.js';
// What every benchmark does with its rounds: one line per round, a summary per
// target (median of the rounds), the results file, and a hard time limit.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { stopAllChildServers } from './child.js';
import type { LoadResult } from './load.js';
import { median, sum } from './stats.js';

export interface RoundsSummary {
  medianRps: number;
  minRps: number;
  maxRps: number;
  medianP99Ms: number;
  non2xx: number;
  errors: number;
  /** 1-based round numbers that saw non-2xx responses or connection errors. */
  flaggedRounds: number[];
}

export function summariseRounds(rounds: readonly LoadResult[]): RoundsSummary {
  const rps = rounds.map((round) => round.rps);
  return {
    medianRps: median(rps),
    minRps: Math.min(...rps),
    maxRps: Math.max(...rps),
    medianP99Ms: median(rounds.map((round) => round.p99)),
    non2xx: sum(rounds.map((round) => round.non2xx)),
    errors: sum(rounds.map((round) => round.errors)),
    flaggedRounds: rounds.flatMap((round, index) => (round.non2xx > 0 || round.errors > 0 ? [index + 1] : [])),
  };
}

export function formatRoundLine(result: LoadResult): string {
  const flag = result.non2xx > 0 || result.errors > 0
    ? `  FLAGGED: non-2xx=${result.non2xx} errors=${result.errors} codes=${JSON.stringify(result.statusCodes)}`
    : '';
  return `${formatRps(result.rps).padStart(8)} req/s  p50 ${formatMs(result.p50).padStart(6)} ms  `
    + `p99 ${formatMs(result.p99).padStart(6)} ms${flag}`;
}

export function formatRps(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatMs(value: number): string {
  return value.toFixed(1);
}

/** Writes the results as JSON; the directory gets a .gitignore, since results are machine-specific. */
export async function writeResults(file: string, results: unknown): Promise<void> {
  const directory = dirname(file);
  await mkdir(directory, { recursive: true });
  const gitignore = `${directory}/.gitignore`;
  if (!existsSync(gitignore)) await writeFile(gitignore, '*\n!.gitignore\n');
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults written to ${file}`);
}

/** Hard upper bound on the whole run, so a wedged server or build can never hang CI or a terminal. */
export function armWatchdog(label: string, budgetS: number): void {
  setTimeout(() => {
    console.error(`\n${label}: exceeded the ${Math.round(budgetS)} s time limit; stopping child servers`);
    void stopAllChildServers().finally(() => process.exit(124));
  }, budgetS * 1000).unref();
}

/** The results table every throughput benchmark prints: one row per target, medians of its rounds. */
export function printSummaryTable(targets: readonly { name: string; description: string }[], summaries: readonly (RoundsSummary & { name: string })[]): void {
  const byName = new Map(summaries.map((summary) => [summary.name, summary]));
  const rows = targets.map((target) => {
    const summary = byName.get(target.name);
    if (summary === undefined) return [target.name, 'not measured', '', '', '', '', '', target.description];
    return [
      target.name,
      formatRps(summary.medianRps),
      `${formatRps(summary.minRps)}–${formatRps(summary.maxRps)}`,
      formatMs(summary.medianP99Ms),
      String(summary.non2xx),
      String(summary.errors),
      summary.flaggedRounds.length === 0 ? '-' : `FLAGGED ${summary.flaggedRounds.join(',')}`,
      target.description,
    ];
  });
  console.log(`\n${renderTable(
    ['target', 'req/s (median)', 'req/s (range)', 'p99 ms (median)', 'non-2xx', 'errors', 'rounds', 'what'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
  )}`);
}

/** The load settings every throughput benchmark reads from the environment. */
export interface LoadConfig {
  durationS: number;
  connections: number;
  rounds: number;
  warmupS: number;
}

export function loadConfigFromEnv(): LoadConfig {
  return {
    durationS: envPositiveNumber('BENCH_DURATION_S', 5),
    connections: envPositiveInteger('BENCH_CONNECTIONS', 32),
    rounds: envPositiveInteger('BENCH_ROUNDS', 3),
    warmupS: envPositiveNumber('BENCH_WARMUP_S', 2),
  };
}
