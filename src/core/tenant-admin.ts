/**
 * Tenants ("repositories" in GAM) as the default tenant's administrators manage them: a new
 * tenant gets its issuer, lazily its keys, and an admin client whose credentials are shown once;
 * deleting one removes its data and, through the change feed, invalidates its tokens everywhere.
 */
import type { Actor } from '../domain/actor.js';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../domain/errors.js';
import { DEFAULT_TENANT_ID, TENANT_ID_PATTERN, defaultSettings, type Tenant } from '../domain/tenant.js';
import { nowS } from '../domain/time.js';
import type { Store } from '../store/index.js';
import type { ChangeFeed } from '../events/change-feed.js';
import type { ClientRegistry } from './clients.js';
import type { TenantRegistry } from './tenants.js';
import { ensureConsoleClient } from '../console/console-client.js';

export interface CreatedTenant {
  tenant: Tenant;
  adminClientId: string;
  adminClientSecret: string;
}

export const TENANT_ADMIN_CLIENT = {
  client_name: 'Tenant admin',
  client_version: '1',
  grant_types: ['client_credentials'],
  response_types: [],
  scope: 'admin',
};

/** A tenant's display name, trimmed; undefined (with a field error) when it is not one. */
function tenantName(value: unknown, errors: FieldError[]): string | undefined {
  if (typeof value === 'string' && value.trim() && value.length <= 200 && !/[\u0000-\u001f\u007f]/.test(value)) return value.trim();
  errors.push({ field: 'name', message: 'name must be a string of 1–200 characters without control characters' });
  return undefined;
}

/** How long writes that found a tenant may still land after its deletion; its id is reused only after. */
export const TENANT_ID_SETTLE_S = 60;

export class TenantAdmin {
  constructor(
    private readonly store: Store,
    private readonly feed: ChangeFeed,
    private readonly tenants: TenantRegistry,
    private readonly clients: ClientRegistry,
  ) {}

  view(tenant: Tenant): Record<string, unknown> {
    return { id: tenant.id, name: tenant.name, issuer: this.tenants.issuerOf(tenant.id), created_at: tenant.createdAt };
  }

  async create(input: Record<string, unknown>, actor: Actor): Promise<CreatedTenant> {
    const id = input.id;
    const errors: FieldError[] = [];
    if (typeof id !== 'string' || !TENANT_ID_PATTERN.test(id) || id === DEFAULT_TENANT_ID) errors.push({ field: 'id', message: 'id must be 1–64 lower-case letters, digits or "-" (not starting or ending with "-"), and not "default"' });
    const name = tenantName(input.name === undefined ? id : input.name, errors);
    if (errors.length || name === undefined) throw new ValidationError(errors);
    const tenant: Tenant = { id: id as string, name, settings: defaultSettings(), createdAt: nowS() };
    await this.reclaim(tenant.id, tenant.createdAt);
    if (!(await this.store.tenants.insertIfMissing(tenant))) throw new ConflictError(`a tenant "${tenant.id}" already exists`);
    await this.feed.write(async (tx) => {
      await tx.events.append({ tenantId: tenant.id, kind: 'tenant.changed', target: tenant.id, payload: {}, createdAt: tenant.createdAt });
      await tx.audit.append({ tenantId: DEFAULT_TENANT_ID, actor: actor.id, source: actor.source, action: 'tenant.created', target: tenant.id, detail: { name: tenant.name }, createdAt: tenant.createdAt });
    });
    const issued = await this.clients.create(tenant.id, tenant.settings, TENANT_ADMIN_CLIENT, actor);
    await ensureConsoleClient(this.clients, this.store, tenant, this.tenants.issuerOf(tenant.id), actor);
    return { tenant, adminClientId: issued.client.clientId, adminClientSecret: issued.clientSecret! };
  }

  /** PATCH: omitted fields keep their values; the id cannot change. */
  async update(id: string, input: Record<string, unknown>, actor: Actor): Promise<Tenant> {
    const tenant = await this.require(id);
    const errors: FieldError[] = [];
    if (input.id !== undefined && input.id !== id) errors.push({ field: 'id', message: 'the id cannot change' });
    const name = input.name === undefined ? tenant.name : tenantName(input.name, errors);
    if (errors.length || name === undefined) throw new ValidationError(errors);
    if (name === tenant.name) return tenant;
    const now = nowS();
    await this.feed.write(async (tx) => {
      await tx.tenants.rename(id, name);
      await tx.events.append({ tenantId: id, kind: 'tenant.changed', target: id, payload: {}, createdAt: now });
      await tx.audit.append({ tenantId: DEFAULT_TENANT_ID, actor: actor.id, source: actor.source, action: 'tenant.renamed', target: id, detail: { name }, createdAt: now });
    });
    return { ...tenant, name };
  }

  async delete(id: string, actor: Actor): Promise<void> {
    if (id === DEFAULT_TENANT_ID) throw new ConflictError('the default tenant cannot be deleted');
    await this.require(id);
    const now = nowS();
    await this.feed.write(async (tx) => {
      await tx.tenants.deleteWithData(id);
      await tx.tenants.tombstone(id, now);
      await tx.events.append({ tenantId: id, kind: 'tenant.deleted', target: id, payload: {}, createdAt: now });
      await tx.audit.append({ tenantId: DEFAULT_TENANT_ID, actor: actor.id, source: actor.source, action: 'tenant.deleted', target: id, detail: {}, createdAt: now });
    });
  }

  /**
   * The id of a tenant deleted moments ago is not free: a request that found the old tenant may
   * still write rows for it, which a new tenant of that id would inherit. Once such writes have
   * settled, its late rows are swept here (or by maintenance) and the id is free again.
   */
  private async reclaim(id: string, now: number): Promise<void> {
    const deletedAt = await this.store.tenants.deletedAt(id);
    if (deletedAt === undefined) return;
    if (deletedAt > now - TENANT_ID_SETTLE_S) {
      throw new ConflictError(`a tenant "${id}" was deleted moments ago; its id is free again ${TENANT_ID_SETTLE_S} s after the deletion`);
    }
    await this.store.transaction((tx) => tx.tenants.sweepTombstoned(id));
  }

  async require(id: string): Promise<Tenant> {
    const tenant = await this.store.tenants.get(id);
    if (!tenant) throw new NotFoundError(`no tenant "${id}"`);
    return tenant;
  }
}
