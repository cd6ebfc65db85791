import { sql } from 'kysely';
import type { Executor } from './executor.js';
import type { AuthorizationCodeRow, ConsentRow, GrantFamilyRow, RefreshTokenRow } from './schema.js';
import { listsScope } from './scope-list.js';

/**
 * Authorization codes, grant families (one per code or password grant; the unit that refresh
 * limits count and reuse detection revokes), refresh tokens, and remembered consents.
 */
export class GrantStore {
  constructor(private readonly db: Executor) {}

  async insertCode(row: AuthorizationCodeRow): Promise<void> {
    await this.db.insertInto('authorization_codes').values(row).execute();
  }

  /** The code stored under any of `ids` (its keys under each server-secret version). */
  async getCode(ids: string[]): Promise<AuthorizationCodeRow | undefined> {
    return this.db.selectFrom('authorization_codes').selectAll().where('id', 'in', ids).executeTakeFirst();
  }

  /** Compare-and-swap: true for exactly one of any number of concurrent exchanges. */
  async useCode(id: string, now: number): Promise<boolean> {
    const result = await this.db.updateTable('authorization_codes').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async insertFamily(row: GrantFamilyRow): Promise<void> {
    await this.db.insertInto('grant_families').values(row).execute();
  }

  async getFamily(id: string): Promise<GrantFamilyRow | undefined> {
    return this.db.selectFrom('grant_families').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async familiesByIds(ids: string[]): Promise<GrantFamilyRow[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('grant_families').selectAll().where('id', 'in', ids).execute();
  }

  /**
   * Spends one refresh of the family, atomically: false when the family is revoked or its count
   * is used up. A null count is unlimited.
   */
  async spendRefresh(familyId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('grant_families')
      .set({ refresh_count_left: sql`case when refresh_count_left is null then null else refresh_count_left - 1 end` })
      .where('id', '=', familyId)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('refresh_count_left', 'is', null), eb('refresh_count_left', '>', 0)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeFamilies(ids: string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('grant_families').set({ revoked_at: now }).where('id', 'in', ids).where('revoked_at', 'is', null).execute();
  }

  async familiesOf(tenantId: string, column: 'user_id' | 'client_id', value: string): Promise<string[]> {
    const rows = await this.db.selectFrom('grant_families').select('id').where('tenant_id', '=', tenantId).where(column, '=', value).where('revoked_at', 'is', null).execute();
    return rows.map((r) => r.id);
  }

  async insertRefresh(row: RefreshTokenRow): Promise<void> {
    await this.db.insertInto('refresh_tokens').values(row).execute();
  }

  async getRefresh(ids: string[]): Promise<RefreshTokenRow | undefined> {
    return this.db.selectFrom('refresh_tokens').selectAll().where('id', 'in', ids).executeTakeFirst();
  }

  /** Compare-and-swap on rotation: true for exactly one of concurrent refreshes. */
  async rotateRefresh(id: string, now: number, successor: string | null): Promise<boolean> {
    const result = await this.db.updateTable('refresh_tokens').set({ rotated_at: now, successor }).where('id', '=', id).where('rotated_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async getConsent(tenantId: string, userId: string, clientId: string): Promise<ConsentRow | undefined> {
    return this.db.selectFrom('consents').selectAll().where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
  }

  async saveConsent(row: ConsentRow): Promise<void> {
    await this.db
      .insertInto('consents')
      .values(row)
      .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'client_id']).doUpdateSet({ scope: row.scope, created_at: row.created_at }))
      .execute();
  }

  /** Ordered by client_id; `after` is the last client_id of the previous page. */
  async listConsents(tenantId: string, userId: string, limit: number, after?: string): Promise<ConsentRow[]> {
    let query = this.db.selectFrom('consents').selectAll().where('tenant_id', '=', tenantId).where('user_id', '=', userId);
    if (after !== undefined) query = query.where('client_id', '>', after);
    return query.orderBy('client_id').limit(limit).execute();
  }

  async deleteConsent(tenantId: string, userId: string, clientId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('consents').where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Whether a refresh token that can still be used (not rotated, its grant not revoked) carries the scope. */
  async liveRefreshTokenWithScope(tenantId: string, scopeName: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .innerJoin('grant_families', 'grant_families.id', 'refresh_tokens.family_id')
      .select('refresh_tokens.id')
      .where('refresh_tokens.tenant_id', '=', tenantId)
      .where('refresh_tokens.rotated_at', 'is', null)
      .where('grant_families.revoked_at', 'is', null)
      .where(listsScope('refresh_tokens.scope', scopeName))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async purgeExpired(now: number): Promise<void> {
    await this.db.deleteFrom('authorization_codes').where('expires_at', '<=', now - 3600).execute();
  }

  /**
   * Forgets grants revoked before `before` (their families and refresh tokens) and refresh tokens
   * rotated before it. A rotated token is kept that long so that its reuse is recognised and
   * revokes its family (RFC 9700 §4.14.2); after that, a replay is merely an unknown token.
   */
  async purgeEnded(before: number): Promise<number> {
    const ended = this.db.selectFrom('grant_families').select('id').where('revoked_at', '<', before);
    const refreshes = await this.db
      .deleteFrom('refresh_tokens')
      .where((eb) => eb.or([eb('rotated_at', '<', before), eb('family_id', 'in', ended)]))
      .executeTakeFirst();
    const families = await this.db.deleteFrom('grant_families').where('revoked_at', '<', before).executeTakeFirst();
    return Number(refreshes.numDeletedRows) + Number(families.numDeletedRows);
  }
}
