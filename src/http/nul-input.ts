/**
 * PostgreSQL text cannot hold NUL where SQLite can: a NUL in a path parameter, the query or the
 * body would otherwise fail deep in the store, as a 500 on one database and not on the other
 * (the fuzzers found it). Refused up front as a bad request, alike on both, in the format of the
 * route's own error handler.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidRequest } from '../oauth/errors.js';

const MAX_DEPTH = 64;

export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return false;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000') || containsNul(item, depth + 1)) return true;
  }
  return false;
}

function refuse(request: FastifyRequest, parts: ('params' | 'query' | 'body')[]): void {
  for (const part of parts) {
    if (containsNul(request[part])) throw invalidRequest(`the request's ${part === 'params' ? 'path' : part} must not contain NUL characters`);
  }
}

export function refuseNulInput(app: FastifyInstance): void {
  // Path and query before any hook (tenant resolution, authentication) looks them up; the body once parsed.
  app.addHook('onRequest', async (request) => refuse(request, ['params', 'query']));
  app.addHook('preHandler', async (request) => refuse(request, ['body']));
}
