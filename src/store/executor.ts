import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** A Kysely instance or an open transaction: every repository method runs on either. */
export type Executor = Kysely<Database>;

export const json = (value: unknown): string => JSON.stringify(value);
export const bit = (value: boolean): number => (value ? 1 : 0);

/** True for a unique/primary-key violation on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
