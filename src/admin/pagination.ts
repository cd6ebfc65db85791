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

/** A position in a newest-first list: [time, id]. */
export const isTimeAndId = (value: unknown): value is [number, string] => Array.isArray(value) && value.length === 2 && Number.isInteger(value[0]) && typeof value[1] === 'string';

/**
 * The page answered from up to `limit + 1` rows read after the cursor: the extra row, never
 * answered, only tells that a next page exists; `position` names the last row answered.
 */
export function pageOf<T>(rows: T[], limit: number, position: (row: T) => unknown): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, next_cursor: rows.length > limit ? encodeCursor(position(items.at(-1)!)) : null };
}
