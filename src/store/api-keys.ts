import type { Executor } from './executor.js';
import type { ApiKeyRow } from './schema.js';

/** Position after the last key of a page: newest first, by (created_at, id). */
export interface ApiKeyCursor {
  createdAt: number;
  id: string;
}

export class ApiKeyStore {
  constructor(private readonly db: Executor) {}

  async insert(row: ApiKeyRow): Promise<void> {
    await this.db.insertInto('api_keys').values(row).execute();
  }

  async byHash(hashes: string[]): Promise<ApiKeyRow | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('key_hash', 'in', hashes).executeTakeFirst();
  }

  async get(tenantId: string, id: string): Promise<ApiKeyRow | undefined> {
    return this.db.selectFrom('api_keys').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  }

  /** A user's keys, newest first: all of them, or a page of `limit` after `cursor`. */
  async ofUser(tenantId: string, userId: string, page: { limit: number; cursor?: ApiKeyCursor }): Promise<ApiKeyRow[]> {
    let query = this.db.selectFrom('api_keys').selectAll().where('tenant_id', '=', tenantId).where('user_id', '=', userId);
    const cursor = page.cursor;
    if (cursor) query = query.where((eb) => eb.or([eb('created_at', '<', cursor.createdAt), eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '<', cursor.id)])]));
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
  }

  async ofClient(tenantId: string, clientId: string): Promise<ApiKeyRow[]> {
    return this.db.selectFrom('api_keys').selectAll().where('tenant_id', '=', tenantId).where('client_id', '=', clientId).execute();
  }

  async invalidate(id: string, reason: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ invalidated_reason: reason }).where('id', '=', id).where('invalidated_reason', 'is', null).execute();
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  /** Moves a key to its hash under the current server-secret version, if it is still stored as `from`. */
  async rehash(id: string, from: string, to: string): Promise<void> {
    await this.db.updateTable('api_keys').set({ key_hash: to }).where('id', '=', id).where('key_hash', '=', from).execute();
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('api_keys').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async familiesOfKey(id: string): Promise<string[]> {
    const rows = await this.db.selectFrom('grant_families').select('id').where('api_key_id', '=', id).where('revoked_at', 'is', null).execute();
    return rows.map((r) => r.id);
  }
}
