/**
 * The long fuzz run (`npm run fuzz`, not in CI): the same properties as the short mode of
 * `npm test`, with enough runs per property for FUZZ_REQUESTS requests in all (default one
 * million). FUZZ_SEED replays a run. Usage: FUZZ_REQUESTS=200000 npm run fuzz
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Properties across the suite, weighted by the multiple of FUZZ_RUNS each one runs. */
const PROPERTY_WEIGHTS = { 'oauth-endpoints': 5, 'sign-in-pages': 2, 'admin-api': 2, gateway: 2 };

const dir = path.dirname(fileURLToPath(import.meta.url));
const requests = Number(process.env.FUZZ_REQUESTS) || 1_000_000;
const weight = Object.values(PROPERTY_WEIGHTS).reduce((a, b) => a + b, 0);
const runs = Math.ceil(requests / weight);
const files = Object.keys(PROPERTY_WEIGHTS).map((name) => path.join(dir, `${name}.test.ts`));
for (const file of files) if (!fs.existsSync(file)) throw new Error(`missing fuzz file ${file}`);

console.log(`# fuzz: ${runs} runs per property, about ${runs * weight} requests`);
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: String(runs) },
});
child.once('exit', (code) => process.exit(code ?? 1));
