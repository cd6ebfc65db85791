import type { Executor } from './executor.js';
import type { AuthorizationRequestRow, SessionRow } from './schema.js';

/** Browser sessions and the pending authorization requests they walk through (login → consent). */
export class SessionStore {
  constructor(private readonly db: Executor) {}

  async insert(row: SessionRow): Promise<void> {
    await this.db.insertInto('sessions').values(row).execute();
  }

  /** The live session stored under any of `ids` (its cookie's keys under each server-secret version). */
  async get(ids: string[], now: number): Promise<SessionRow | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('id', 'in', ids).where('expires_at', '>', now).executeTakeFirst();
  }

  /** Moves a session to a new key; a no-op when a concurrent request already moved it. */
  async rekey(id: string, newId: string): Promise<void> {
    await this.db.updateTable('sessions').set({ id: newId }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  async deleteForUser(tenantId: string, userId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
  }

  async insertRequest(row: AuthorizationRequestRow): Promise<void> {
    await this.db.insertInto('authorization_requests').values(row).execute();
  }

  async getRequest(id: string, now: number): Promise<AuthorizationRequestRow | undefined> {
    return this.db.selectFrom('authorization_requests').selectAll().where('id', '=', id).where('expires_at', '>', now).executeTakeFirst();
  }

  async updateRequest(id: string, params: string): Promise<void> {
    await this.db.updateTable('authorization_requests').set({ params }).where('id', '=', id).execute();
  }

  /** Removes the request; true for exactly one caller, so a decision is acted on once. */
  async takeRequest(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('authorization_requests').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async purgeExpired(now: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
    await this.db.deleteFrom('authorization_requests').where('expires_at', '<=', now).execute();
  }
}
