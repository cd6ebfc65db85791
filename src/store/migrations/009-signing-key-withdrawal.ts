import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * A signing key can be withdrawn at once (a leaked key): it leaves the JWKS and its tokens are
 * refused. The row stays, with when and why, for the audit trail.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  // SQLite adds one column per ALTER TABLE.
  await db.schema.alterTable('signing_keys').addColumn('withdrawn_at', bigint).execute();
  await db.schema.alterTable('signing_keys').addColumn('withdrawn_reason', 'text').execute();
}
