/**
 * Tenants, loaded lazily and cached until the change feed says they changed, so a thousand
 * tenants cost memory only for those in use.
 */
import { DEFAULT_TENANT_ID, TENANT_ID_PATTERN, type Tenant } from '../domain/tenant.js';
import type { Store } from '../store/index.js';
import type { ChangeFeed } from '../events/change-feed.js';
import { PromiseCache } from './promise-cache.js';

export interface TenantContext {
  tenant: Tenant;
  /** The issuer identifier: GATEHOUSE_ISSUER for the default tenant, `{issuer}/t/{id}` otherwise. */
  issuer: string;
  /** `aud` of the tenant's access tokens: what its gateway and resource servers expect. */
  audience: string;
  /** The path prefix of the tenant's endpoints: '' or '/t/{id}'. */
  basePath: string;
}

export class TenantRegistry {
  private readonly cache = new PromiseCache<string, TenantContext | undefined>((tenant) => tenant !== undefined);

  constructor(
    private readonly store: Store,
    private readonly rootIssuer: string,
    feed: ChangeFeed,
  ) {
    feed.on((event) => {
      if (event.kind === 'tenant.changed' || event.kind === 'tenant.deleted') this.cache.delete(event.tenantId);
    });
  }

  issuerOf(tenantId: string): string {
    return tenantId === DEFAULT_TENANT_ID ? this.rootIssuer : `${this.rootIssuer}/t/${tenantId}`;
  }

  /** The tenant whose issuer this is, if any. */
  fromIssuer(issuer: string): Promise<TenantContext | undefined> {
    if (issuer === this.rootIssuer) return this.get(DEFAULT_TENANT_ID);
    const prefix = `${this.rootIssuer}/t/`;
    if (!issuer.startsWith(prefix)) return Promise.resolve(undefined);
    const id = issuer.slice(prefix.length);
    return TENANT_ID_PATTERN.test(id) && id !== DEFAULT_TENANT_ID ? this.get(id) : Promise.resolve(undefined);
  }

  get(tenantId: string): Promise<TenantContext | undefined> {
    return this.cache.get(tenantId, () => this.store.tenants.get(tenantId).then((tenant) => tenant && this.context(tenant)));
  }


  /** Ids of the tenants this node holds in memory now. */
  loadedTenants(): string[] {
    return this.cache.keys();
  }

  private context(tenant: Tenant): TenantContext {
    const issuer = this.issuerOf(tenant.id);
    return {
      tenant,
      issuer,
      audience: `${issuer}/gateway`,
      basePath: tenant.id === DEFAULT_TENANT_ID ? '' : `/t/${tenant.id}`,
    };
  }
}
