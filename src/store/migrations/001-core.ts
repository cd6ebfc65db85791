import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/** Tenants, signing keys, clients, scopes, token records, the change feed and the audit log. */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  const serial = (col: any) => (dialect === 'postgres' ? col.generatedAlwaysAsIdentity().primaryKey() : col.primaryKey().autoIncrement());

  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('activates_at', bigint, (c) => c.notNull())
    .addColumn('publish_until', bigint)
    .execute();
  await db.schema.createIndex('signing_keys_tenant').on('signing_keys').columns(['tenant_id', 'activates_at']).execute();

  await db.schema
    .createTable('clients')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_name', 'text', (c) => c.notNull())
    .addColumn('client_version', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('secret_expires_at', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('grant_types', 'text', (c) => c.notNull())
    .addColumn('response_types', 'text', (c) => c.notNull())
    .addColumn('access_token_lifetime', bigint)
    .addColumn('refresh_token_limit', bigint)
    .addColumn('require_pkce', 'integer')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('not_before', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('api_key_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('api_key_timeout_hours', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('api_key_allowed_auth_type', 'text')
    .addColumn('api_key_scope_customization', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('registration_token_hash', 'text')
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('clients_pk', ['tenant_id', 'client_id'])
    .addUniqueConstraint('clients_name_version', ['tenant_id', 'name_key'])
    .execute();

  await db.schema
    .createTable('scopes')
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('services', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('scopes_pk', ['tenant_id', 'name'])
    .addUniqueConstraint('scopes_name_key', ['tenant_id', 'name_key'])
    .execute();

  await db.schema
    .createTable('client_scopes')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('scope_name', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('client_scopes_pk', ['tenant_id', 'client_id', 'scope_name'])
    .addForeignKeyConstraint('client_scopes_client', ['tenant_id', 'client_id'], 'clients', ['tenant_id', 'client_id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('client_scopes_scope').on('client_scopes').columns(['tenant_id', 'scope_name']).execute();

  await db.schema
    .createTable('tokens')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('grant_type', 'text', (c) => c.notNull())
    .addColumn('kid', 'text', (c) => c.notNull())
    .addColumn('issued_at', bigint, (c) => c.notNull())
    .addColumn('expires_at', bigint, (c) => c.notNull())
    .addColumn('never_expires', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('family_id', 'text')
    .addColumn('revoked_at', bigint)
    .addColumn('revoked_reason', 'text')
    .execute();
  // Keyset pagination of token management: newest first, optionally per client or per subject.
  await db.schema.createIndex('tokens_tenant_time').on('tokens').columns(['tenant_id', 'issued_at', 'jti']).execute();
  await db.schema.createIndex('tokens_client_time').on('tokens').columns(['tenant_id', 'client_id', 'issued_at', 'jti']).execute();
  await db.schema.createIndex('tokens_subject_time').on('tokens').columns(['tenant_id', 'subject', 'issued_at', 'jti']).execute();
  await db.schema.createIndex('tokens_expiry').on('tokens').column('expires_at').execute();
  // Loaded whole at start by every node's revocation state: kept small by the partial predicate.
  await db.schema.createIndex('tokens_revoked').on('tokens').column('expires_at').where(sql.ref('revoked_at'), 'is not', null).execute();

  await db.schema
    .createTable('events')
    .addColumn('id', bigint, serial)
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_created').on('events').column('created_at').execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', bigint, serial)
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_tenant').on('audit_events').columns(['tenant_id', 'id']).execute();
}
