/** One compiled ScopeMatcher per tenant, rebuilt when the change feed reports a scope change. */
import type { ScopeRegistry } from '../core/scopes.js';
import type { ChangeFeed } from '../events/change-feed.js';
import { ScopeMatcher } from './matcher.js';
import { UnsafePathError } from './path.js';
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
      for (const scope of (await this.scopes.byName(tenantId)).values()) {
        for (const pattern of scope.services) {
          try {
            matcher.add(scope.name, pattern);
          } catch (error) {
            // A segment that decodes to "/", "\", NUL or a dot-segment (or a malformed escape)
            // can match no request, since normalisePath refuses such paths: skipping it keeps one
            // bad stored pattern from failing every request of the tenant.
            if (!(error instanceof UnsafePathError)) throw error;
          }
        }
      }
      return matcher;
    });
  }

}
