/**
 * Sends one generated request over real HTTP and checks the properties every answer must have:
 * never a 5xx, never a stack trace or framework or database internals in the body, and, when the
 * request was refused, a store exactly as it was before.
 */
import assert from 'node:assert/strict';
import { request } from 'undici';
import type { StoreSnapshot } from './snapshot.js';

export interface FuzzRequest {
  method: string;
  /** Path and query, already URL-safe (percent-encoded where needed). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** Runs per property: 150 or 300 in CI, FUZZ_RUNS for the long run (`npm run fuzz`). */
const RUNS = Number(process.env.FUZZ_RUNS) || 150;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

/** fast-check parameters for a property that runs `multiple` times RUNS; FUZZ_SEED replays a failure. */
export function fuzzRuns(multiple = 1): { numRuns: number; seed?: number } {
  return { numRuns: RUNS * multiple, ...(SEED === undefined ? {} : { seed: SEED }) };
}

/** What must never reach a client: stack frames, source paths, error classes, framework and SQL internals. */
const LEAKS = [
  /\n\s+at \S/,
  /node_modules/,
  /\/(src|test)\/\S+\.(ts|js)/,
  /\b(TypeError|ReferenceError|RangeError|SyntaxError|AssertionError)\b/,
  /Cannot read propert|is not a function|is not defined|undefined is not/,
  /\bFST_[A-Z_]+/,
  /SQLITE_|better-sqlite3|kysely|syntax error at or near|duplicate key value|violates .* constraint/i,
];


export class Prober {
  /** The store as it was after the last request. */
  private last?: Record<string, string>;
  count = 0;

  constructor(private readonly snapshot: StoreSnapshot) {}

  async send(base: string, input: FuzzRequest): Promise<void> {
    this.last ??= await this.snapshot.take();
    const withBody = input.body !== undefined && !['GET', 'HEAD'].includes(input.method);
    const response = await request(`${base}${input.path}`, { method: input.method as 'GET', headers: input.headers, body: withBody ? input.body : undefined });
    const body = await response.body.text();
    this.count++;
    // The snapshot moves on before any check, so one failure is reported once, not at every later request.
    const [before, now] = [this.last, await this.snapshot.take()];
    this.last = now;
    const where = `${input.method} ${input.path.slice(0, 200)}`;
    assert.ok(response.statusCode < 500, `${where} answered ${response.statusCode}: ${body.slice(0, 300)}`);
    for (const leak of LEAKS) assert.doesNotMatch(body, leak, `${where} leaked internals (${response.statusCode}): ${body.slice(0, 300)}`);
    if (response.statusCode >= 400) assert.deepEqual(now, before, `${where} was refused (${response.statusCode}) yet changed the store`);
  }
}
