/** One compiled ScopeMatcher per tenant, rebuilt when the change feed reports a scope change. */
import type { ScopeRegistry } from '../core/scopes.js';
import type { ChangeFeed } from '../events/change-feed.js';
import { ScopeMatcher } from './matcher.js';
import { PromiseCache } from '../core/promise-cache.js';

export class ScopeMatchers {
  private readonly cache = new PromiseCache<string, ScopeMatcher>();

  constructor(
    private readonly scopes: ScopeRegistry,
    feed: ChangeFeed,
  ) {
    feed.on((event) => {
      if (event.kind === 'scope.changed' || event.kind === 'tenant.deleted') this.cache.delete(event.tenantId);
    });
  }

  forTenant(tenantId: string): Promise<ScopeMatcher> {
    return this.cache.get(tenantId, async () => {
      const matcher = new ScopeMatcher();
      for (const scope of (await this.scopes.byName(tenantId)).values()) for (const pattern of scope.services) matcher.add(scope.name, pattern);
      return matcher;
    });
  }

}
