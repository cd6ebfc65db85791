import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * Client secret rotation without downtime: after `POST /clients/{id}/secret` with
 * `previous_secret_valid_for_s`, the replaced secret's hash keeps authenticating until its end time.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema.alterTable('clients').addColumn('previous_secret_hash', 'text').execute();
  await db.schema.alterTable('clients').addColumn('previous_secret_expires_at', bigint).execute();
}
