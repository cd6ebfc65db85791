import { sql } from 'kysely';
import type { Dialect } from './db.js';
import { bit, type Executor } from './executor.js';
import type { ServiceRow } from './schema.js';

export interface Service {
  tenantId: string;
  name: string;
  pathPrefix: string;
  upstream: string;
  timeoutMs: number;
  passToken: boolean;
  createdAt: number;
  updatedAt: number;
}

function toService(row: ServiceRow): Service {
  return {
    tenantId: row.tenant_id,
    name: row.name,
    pathPrefix: row.path_prefix,
    upstream: row.upstream,
    timeoutMs: Number(row.timeout_ms),
    passToken: row.pass_token === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toRow(service: Service): ServiceRow {
  return {
    tenant_id: service.tenantId,
    name: service.name,
    name_key: service.name.toLowerCase(),
    path_prefix: service.pathPrefix,
    upstream: service.upstream,
    timeout_ms: service.timeoutMs,
    pass_token: bit(service.passToken),
    created_at: service.createdAt,
    updated_at: service.updatedAt,
  };
}

export class ServiceStore {
  constructor(
    private readonly db: Executor,
    private readonly dialect: Dialect,
  ) {}

  /**
   * In a transaction: makes every other transaction that would write services wait until this
   * one ends, so what it reads of the prefixes stays true until it commits. SQLite has a single
   * writer already. On PostgreSQL, SHARE ROW EXCLUSIVE conflicts with itself and with every
   * insert, update and delete, but not with reads: the gateway keeps routing meanwhile.
   */
  async lockWriters(): Promise<void> {
    if (this.dialect === 'postgres') await sql`lock table services in share row exclusive mode`.execute(this.db);
  }

  /** Every service of every tenant: the gateway's route table is global (prefixes are unique across tenants). */
  async all(): Promise<Service[]> {
    return (await this.db.selectFrom('services').selectAll().orderBy('path_prefix').execute()).map(toService);
  }

  async get(tenantId: string, name: string): Promise<Service | undefined> {
    const row = await this.db.selectFrom('services').selectAll().where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
    return row && toService(row);
  }

  async list(tenantId: string, limit: number, after?: string): Promise<Service[]> {
    let query = this.db.selectFrom('services').selectAll().where('tenant_id', '=', tenantId);
    if (after !== undefined) query = query.where('name', '>', after);
    return (await query.orderBy('name').limit(limit).execute()).map(toService);
  }

  async insert(service: Service): Promise<void> {
    await this.db.insertInto('services').values(toRow(service)).execute();
  }

  async update(service: Service): Promise<void> {
    // name_key stays as stored: rows kept apart by migration 011 have a key that is not their name's lower case.
    const { tenant_id, name, name_key, created_at, ...rest } = toRow(service);
    await this.db.updateTable('services').set(rest).where('tenant_id', '=', tenant_id).where('name', '=', name).execute();
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('services').where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
