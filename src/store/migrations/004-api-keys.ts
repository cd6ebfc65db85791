import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/** API keys (GAM, seed 004): per user and application, stored as a keyed hash only. */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('expires_at', bigint)
    .addColumn('last_used_at', bigint)
    .execute();
  await db.schema.createIndex('api_keys_user').on('api_keys').columns(['tenant_id', 'user_id']).execute();
  await db.schema.createIndex('api_keys_client').on('api_keys').columns(['tenant_id', 'client_id']).execute();
  // Tokens exchanged for a key belong to a family that records the key, so deleting the key revokes them.
  await db.schema.alterTable('grant_families').addColumn('api_key_id', 'text').execute();
}
