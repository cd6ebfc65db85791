#!/usr/bin/env node
/**
 * The test command (`npm test`): type-checks, starts a throw-away PostgreSQL when one is
 * installed (CI installs it; the suites then run on SQLite and PostgreSQL), and runs every
 * test/**\/*.test.ts file with Node's test runner, whose summary closes the output.
 * Usage: npm test [-- test/path/a.test.ts ...]
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startPostgres } from './postgres.mjs';

function findTests(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const selected = process.argv.slice(2);
const files = selected.length ? selected : findTests('test').sort();

if (!process.env.SKIP_TYPECHECK) {
  console.log('# type-check (tsc --noEmit)');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.'], { stdio: 'inherit' });
}

let postgres;
if (!process.env.GATEHOUSE_TEST_POSTGRES_URL) {
  postgres = await startPostgres({ port: await freePort() });
  if (postgres) process.env.GATEHOUSE_TEST_POSTGRES_URL = postgres.url;
  else if (process.env.CI) {
    console.error('CI needs PostgreSQL for the storage suites, and none is installed (apt-get install postgresql)');
    process.exit(1);
  } else console.log('# PostgreSQL not installed: suites run on SQLite only');
}

// Spec output for people; a TAP copy to count from, for the closing line CI reads.
const tapFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gh-tap-')), 'results.tap');
const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`];
// A hung test file fails by name after 10 minutes (the slowest, the crash tests, take about one here) instead of holding CI to its limit.
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', ...reporters, ...files], { stdio: 'inherit', env: process.env });
const code = await new Promise((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
await postgres?.stop();
const tap = fs.existsSync(tapFile) ? fs.readFileSync(tapFile, 'utf8') : '';
const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
const passed = count('pass');
const failed = count('fail') + (code !== 0 && count('fail') === 0 ? 1 : 0);
console.log(`${passed} passed, ${failed} failed, ${count('skipped')} skipped`);
process.exit(code);
