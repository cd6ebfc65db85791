/** Keyset pagination: `limit` (default 50, max 500) and an opaque `cursor` naming the last item seen. */
import { ValidationError } from '../domain/errors.js';

export interface PageQuery {
  limit?: string;
  cursor?: string;
}

export function pageLimit(query: PageQuery): number {
  if (query.limit === undefined) return 50;
  const limit = Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw ValidationError.field('limit', 'limit must be a whole number from 1 to 500');
  return limit;
}

export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor<T>(query: PageQuery, check: (value: unknown) => value is T): T | undefined {
  if (query.cursor === undefined) return undefined;
  try {
    const value = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')) as unknown;
    if (check(value)) return value;
  } catch {
    // fall through to the validation error
  }
  throw ValidationError.field('cursor', 'cursor is not one this API returned');
}

export const isString = (value: unknown): value is string => typeof value === 'string';
