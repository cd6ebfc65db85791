import { sql, type Kysely } from 'kysely';

/**
 * Token management's `status=revoked` lists, newest first, for the tenant and per client: revoked
 * rows are a small share of the table, so without indexes of their own a page of them meant
 * walking a time index past every live and expired row in between (bench/token-list.ts).
 * Partial: they hold revoked rows only, so they stay small.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const revoked = [sql.ref('revoked_at'), 'is not', null] as const;
  await db.schema.createIndex('tokens_revoked_time').on('tokens').columns(['tenant_id', 'issued_at', 'jti']).where(...revoked).execute();
  await db.schema.createIndex('tokens_client_revoked_time').on('tokens').columns(['tenant_id', 'client_id', 'issued_at', 'jti']).where(...revoked).execute();
}
