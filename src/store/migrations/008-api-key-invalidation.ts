import type { Kysely } from 'kysely';

/**
 * Seed 004: when an application stops publishing a scope a key carries, "the API Key is
 * invalidated, and a new one must be generated" — republishing the scope does not revive it. The
 * reason is kept on the key; other causes (deactivation, API keys turned off) are read from the
 * application's current state and end when it changes back.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('invalidated_reason', 'text').execute();
}
