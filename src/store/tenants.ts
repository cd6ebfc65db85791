import { settingsFromJson, type Tenant, type TenantSettings } from '../domain/tenant.js';
import { json, type Executor } from './executor.js';
import type { TenantRow } from './schema.js';

function toTenant(row: TenantRow): Tenant {
  return { id: row.id, name: row.name, settings: settingsFromJson(row.settings), createdAt: row.created_at };
}

export class TenantStore {
  constructor(private readonly db: Executor) {}

  async get(id: string): Promise<Tenant | undefined> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTenant(row);
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

  async updateSettings(id: string, settings: TenantSettings): Promise<void> {
    await this.db.updateTable('tenants').set({ settings: json(settings) }).where('id', '=', id).execute();
  }
}
