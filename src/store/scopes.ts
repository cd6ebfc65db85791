import { json, type Executor } from './executor.js';
import type { ScopeRow } from './schema.js';

export interface Scope {
  tenantId: string;
  name: string;
  description: string;
  services: string[];
  roles: string[];
  createdAt: number;
  updatedAt: number;
}

function toScope(row: ScopeRow): Scope {
  return {
    tenantId: row.tenant_id,
    name: row.name,
    description: row.description,
    services: JSON.parse(row.services),
    roles: JSON.parse(row.roles),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toRow(scope: Scope): ScopeRow {
  return {
    tenant_id: scope.tenantId,
    name: scope.name,
    name_key: scope.name.toLowerCase(),
    description: scope.description,
    services: json(scope.services),
    roles: json(scope.roles),
    created_at: scope.createdAt,
    updated_at: scope.updatedAt,
  };
}

export class ScopeStore {
  constructor(private readonly db: Executor) {}

  async all(tenantId: string): Promise<Scope[]> {
    const rows = await this.db.selectFrom('scopes').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
    return rows.map(toScope);
  }

  async get(tenantId: string, name: string): Promise<Scope | undefined> {
    const row = await this.db.selectFrom('scopes').selectAll().where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
    return row && toScope(row);
  }

  async getByKey(tenantId: string, name: string): Promise<Scope | undefined> {
    const row = await this.db.selectFrom('scopes').selectAll().where('tenant_id', '=', tenantId).where('name_key', '=', name.toLowerCase()).executeTakeFirst();
    return row && toScope(row);
  }

  async list(tenantId: string, limit: number, after?: string): Promise<Scope[]> {
    let query = this.db.selectFrom('scopes').selectAll().where('tenant_id', '=', tenantId);
    if (after !== undefined) query = query.where('name', '>', after);
    return (await query.orderBy('name').limit(limit).execute()).map(toScope);
  }

  async insert(scope: Scope): Promise<void> {
    await this.db.insertInto('scopes').values(toRow(scope)).execute();
  }

  async update(scope: Scope): Promise<void> {
    const { tenant_id, name, created_at, ...rest } = toRow(scope);
    await this.db.updateTable('scopes').set(rest).where('tenant_id', '=', tenant_id).where('name', '=', name).execute();
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('scopes').where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
