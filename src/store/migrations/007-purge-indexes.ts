import type { Kysely } from 'kysely';

/**
 * What background maintenance deletes by age (src/core/maintenance.ts): without these, every pass
 * would scan whole tables that grow with every refresh, sign-in failure and admin action.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('refresh_tokens_rotated').on('refresh_tokens').column('rotated_at').execute();
  await db.schema.createIndex('grant_families_revoked').on('grant_families').column('revoked_at').execute();
  await db.schema.createIndex('login_failures_last').on('login_failures').column('last_failure_at').execute();
  await db.schema.createIndex('audit_events_created').on('audit_events').column('created_at').execute();
}
