import type { Kysely } from 'kysely';

/**
 * OpenID Connect RP-Initiated Logout §3.1: a client registers where the browser may be sent back
 * after signing out (`post_logout_redirect_uris`), besides its redirect URIs.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('clients').addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull().defaultTo('[]')).execute();
}
