import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * A deleted tenant leaves its id behind for a while: a grant or token batch that read the tenant
 * before the deletion may still commit rows for it afterwards, and maintenance sweeps those rows
 * once such writes have settled. Until then the id cannot be given to a new tenant.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('tenant_tombstones')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('deleted_at', bigint, (c) => c.notNull())
    .execute();
}
