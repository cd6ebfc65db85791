import { settingsFromJson, type Tenant, type TenantSettings } from '../domain/tenant.js';
import { json, type Executor } from './executor.js';
import type { TenantRow } from './schema.js';

/** Every table with a tenant_id, children before parents. The events table keeps the deletion's own event. */
const TENANT_TABLES = [
  'api_keys',
  'refresh_tokens',
  'grant_families',
  'authorization_codes',
  'authorization_requests',
  'sessions',
  'consents',
  'login_failures',
  'tokens',
  'client_scopes',
  'clients',
  'scopes',
  'users',
  'services',
  'signing_keys',
  'audit_events',
] as const;

function toTenant(row: TenantRow): Tenant {
  return { id: row.id, name: row.name, settings: settingsFromJson(row.settings), createdAt: row.created_at };
}

export class TenantStore {
  constructor(private readonly db: Executor) {}

  async get(id: string): Promise<Tenant | undefined> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTenant(row);
  }

  /**
   * In a transaction: the tenant, locked until the transaction ends, so that a read-modify-write of
   * its settings loses no change made meanwhile. A no-op update takes the row's lock on either
   * database (SQLite: the write lock).
   */
  async getForUpdate(id: string): Promise<Tenant | undefined> {
    await this.db.updateTable('tenants').set((eb) => ({ name: eb.ref('name') })).where('id', '=', id).execute();
    return this.get(id);
  }

  /** Inserts the tenant unless it exists; true when this call created it. */
  async insertIfMissing(tenant: Tenant): Promise<boolean> {
    const result = await this.db
      .insertInto('tenants')
      .values({ id: tenant.id, name: tenant.name, settings: json(tenant.settings), created_at: tenant.createdAt })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async list(limit: number, after?: string): Promise<Tenant[]> {
    let query = this.db.selectFrom('tenants').selectAll();
    if (after !== undefined) query = query.where('id', '>', after);
    return (await query.orderBy('id').limit(limit).execute()).map(toTenant);
  }

  async rename(id: string, name: string): Promise<void> {
    await this.db.updateTable('tenants').set({ name }).where('id', '=', id).execute();
  }

  /** Removes a tenant and everything it owns, table by table (some tables have no foreign key to it). */
  async deleteWithData(id: string): Promise<boolean> {
    await this.deleteRowsOf(id);
    const result = await this.db.deleteFrom('tenants').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Marks the id of a deleted tenant: rows that writes already under way commit afterwards are swept later (sweepTombstoned). */
  async tombstone(id: string, now: number): Promise<void> {
    await this.db
      .insertInto('tenant_tombstones')
      .values({ id, deleted_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ deleted_at: now }))
      .execute();
  }

  /** When the tenant of this id was deleted, if its tombstone is still there. */
  async deletedAt(id: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('tenant_tombstones').select('deleted_at').where('id', '=', id).executeTakeFirst();
    return row ? Number(row.deleted_at) : undefined;
  }

  /** Deleted tenants whose late writes have settled by now: deleted before `before`. */
  async tombstonedBefore(before: number): Promise<string[]> {
    return (await this.db.selectFrom('tenant_tombstones').select('id').where('deleted_at', '<', before).execute()).map((row) => row.id);
  }

  /**
   * In a transaction: sweeps what was written for a deleted tenant after its deletion, and frees
   * its id. Taking the tombstone first makes sweeps of one id run one at a time, and a sweep that
   * finds it gone (another sweep freed the id, and a new tenant may own it now) does nothing.
   */
  async sweepTombstoned(id: string): Promise<void> {
    const taken = await this.db.deleteFrom('tenant_tombstones').where('id', '=', id).executeTakeFirst();
    if (Number(taken.numDeletedRows) === 0) return;
    if (!(await this.get(id))) await this.deleteRowsOf(id);
  }

  private async deleteRowsOf(id: string): Promise<void> {
    for (const table of TENANT_TABLES) await this.db.deleteFrom(table).where('tenant_id', '=', id).execute();
  }

  async updateSettings(id: string, settings: TenantSettings): Promise<void> {
    await this.db.updateTable('tenants').set({ settings: json(settings) }).where('id', '=', id).execute();
  }
}
