import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/** Upstream services behind the gateway: a path prefix (unique across tenants) and where it goes. */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('services')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('path_prefix', 'text', (c) => c.notNull().unique())
    .addColumn('upstream', 'text', (c) => c.notNull())
    .addColumn('timeout_ms', bigint, (c) => c.notNull())
    .addColumn('pass_token', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('services_pk', ['tenant_id', 'name'])
    .execute();
}
