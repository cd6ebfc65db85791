/** One compiled ScopeMatcher per tenant, rebuilt when the change feed reports a scope change. */
import type { ScopeRegistry } from '../core/scopes.js';
import type { ChangeFeed } from '../events/change-feed.js';
import { ScopeMatcher } from './matcher.js';

export class ScopeMatchers {
  private readonly cache = new Map<string, Promise<ScopeMatcher>>();

  constructor(
    private readonly scopes: ScopeRegistry,
    feed: ChangeFeed,
  ) {
    feed.on((event) => {
      if (event.kind === 'scope.changed' || event.kind === 'tenant.deleted') this.cache.delete(event.tenantId);
    });
  }

  forTenant(tenantId: string): Promise<ScopeMatcher> {
    let entry = this.cache.get(tenantId);
    if (!entry) {
      entry = this.scopes.byName(tenantId).then((scopes) => {
        const matcher = new ScopeMatcher();
        for (const scope of scopes.values()) for (const pattern of scope.services) matcher.add(scope.name, pattern);
        return matcher;
      });
      this.cache.set(tenantId, entry);
      entry.catch(() => this.cache.delete(tenantId));
    }
    return entry;
  }
}
