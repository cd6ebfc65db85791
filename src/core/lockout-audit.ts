/**
 * Every lock the brute-force protection sets becomes an audit event and a metric. Locks are few
 * by construction (each needs max_failures failures, then a growing wait), so none is sampled.
 */
import type { Store } from '../store/index.js';
import type { GatehouseMetrics } from '../metrics/gatehouse-metrics.js';
import { nowS } from '../domain/time.js';
import type { OnLocked } from './lockout.js';

export function lockoutAudit(store: Store, metrics: GatehouseMetrics): OnLocked {
  return async (tenantId, key, until, failures) => {
    const keyType = key.startsWith('ip:') ? 'source' : 'account';
    metrics.lockouts.inc({ key_type: keyType });
    await store.audit.append({ tenantId, actor: 'anonymous', source: null, action: keyType === 'source' ? 'source.locked' : 'account.locked', target: key, detail: { failures, locked_until: until }, createdAt: nowS() });
  };
}
