/**
 * Text the store cannot keep as sent is refused up front as a bad request, alike on both
 * databases, in the format of the route's own error handler:
 * - NUL: PostgreSQL text cannot hold it where SQLite can, so it would fail deep in the store, as a
 *   500 on one database and not on the other (the fuzzers found it);
 * - an unpaired UTF-16 surrogate (a JSON `"\ud800"`): UTF-8 cannot encode it, so it would be
 *   stored, and read back, as U+FFFD: the client would read back other text than it sent.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fieldPath, ValidationError } from '../domain/errors.js';

const MAX_DEPTH = 64;
const UNSTORABLE = /[\0\p{Cs}]/u;

type Part = 'params' | 'query' | 'body';

interface Found {
  /** The names leading to the string, outermost first; empty for the part itself. */
  path: string[];
  flaw: string;
}

function flawOf(text: string): string | undefined {
  const character = UNSTORABLE.exec(text)?.[0];
  if (character === undefined) return undefined;
  return character === '\0' ? 'NUL characters' : 'unpaired UTF-16 surrogates';
}

/** The first unstorable string in a parsed request part; the path is built only once one is found. */
function findUnstorable(value: unknown, depth = 0): Found | undefined {
  if (typeof value === 'string') {
    const flaw = flawOf(value);
    return flaw === undefined ? undefined : { path: [], flaw };
  }
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const keyFlaw = flawOf(key);
    // The offending name itself is left out of the answer: the field is the object holding it.
    if (keyFlaw !== undefined) return { path: [], flaw: `${keyFlaw} in a field name` };
    const found = findUnstorable(item, depth + 1);
    if (found) {
      found.path.unshift(key);
      return found;
    }
  }
  return undefined;
}

/**
 * A ValidationError, so the admin API answers its usual field errors; a 400 to every other
 * handler. `part` lets registration answer RFC 7591's invalid_client_metadata for its body.
 */
export class UnstorableText extends ValidationError {
  readonly statusCode = 400;

  constructor(
    readonly part: Part,
    found: Found,
  ) {
    super([{ field: fieldPath(found.path) || (part === 'params' ? 'path' : part), message: `must not contain ${found.flaw}` }]);
  }
}

function refuse(request: FastifyRequest, parts: Part[]): void {
  for (const part of parts) {
    const found = findUnstorable(request[part]);
    if (found) throw new UnstorableText(part, found);
  }
}

export function refuseUnstorableText(app: FastifyInstance): void {
  // Path and query before any hook (tenant resolution, authentication) looks them up; the body once parsed.
  app.addHook('onRequest', async (request) => refuse(request, ['params', 'query']));
  app.addHook('preHandler', async (request) => refuse(request, ['body']));
}
