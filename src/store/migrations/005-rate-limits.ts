import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * Rate-limit counters shared by the nodes of one PostgreSQL: one row per tenant, limit kind, key
 * (client id, address or username) and fixed 60-second window. Rows of past windows are purged.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('rate_limit_counters')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('window_start', bigint, (c) => c.notNull())
    .addColumn('used', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limit_counters_pk', ['tenant_id', 'kind', 'key', 'window_start'])
    .execute();
  await db.schema.createIndex('rate_limit_counters_window').on('rate_limit_counters').column('window_start').execute();
}
