/**
 * `gatehouse doctor [--tenant ID] [--fail-on high|medium|low] [--json]`: reads the configured
 * store (never writes or migrates it), prints the security posture and sets exit code 3 when a
 * finding at or above the threshold exists, so a deployment pipeline can stop there.
 */
import fs from 'node:fs';
import { ConfigError, type Config } from '../config.js';
import { openDb } from '../store/db.js';
import { createStore } from '../store/index.js';
import { SEVERITIES, type Severity } from './finding.js';
import { runDoctor } from './runner.js';
import { asJson, asText, verdict } from './report.js';

/** Distinct from 1 (the command itself failed, e.g. the store is unreachable) and 2 (usage). */
export const FINDINGS_EXIT_CODE = 3;

export interface DoctorOptions {
  tenant: string | undefined;
  failOn: string | undefined;
  json: boolean;
}

function threshold(raw: string | undefined): Severity {
  const value = raw ?? 'high';
  if ((SEVERITIES as readonly string[]).includes(value)) return value as Severity;
  throw new ConfigError('--fail-on', `must be high, medium or low, got "${value}"`);
}

export async function doctor(config: Config, options: DoctorOptions): Promise<void> {
  const failOn = threshold(options.failOn);
  // Opening a SQLite path that does not exist would create an empty database there.
  const file = config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl.slice('sqlite:'.length) : undefined;
  if (file !== undefined && !fs.existsSync(file)) throw new ConfigError('GATEHOUSE_DATABASE_URL', `no database at ${file}`);
  const db = openDb(config.databaseUrl, { poolSize: 2 });
  try {
    const report = await runDoctor(db, createStore(db), config, options.tenant);
    const v = verdict(report, failOn);
    console.log(options.json ? asJson(report, v) : asText(report, v));
    if (v.failed) process.exitCode = FINDINGS_EXIT_CODE;
  } finally {
    await db.close();
  }
}
