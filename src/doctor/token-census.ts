/**
 * Live never-expiring access tokens per client: one aggregate over the tokens table, because a
 * tenant may hold millions of token rows and the doctor needs only counts.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export async function liveNeverExpiringByClient(db: Kysely<Database>, tenantId: string, now: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('tokens')
    .select(['client_id', (eb) => eb.fn.countAll<number>().as('live')])
    .where('tenant_id', '=', tenantId)
    .where('never_expires', '=', 1)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .groupBy('client_id')
    .execute();
  return new Map(rows.map((row) => [row.client_id, Number(row.live)]));
}
