/**
 * Fixed-window rate limiting with counters shared across nodes (INTERFACE.md "Brute force and
 * rate limits"). A node does not write the shared counter on every request: it takes a lease of
 * several units at once and spends it locally. Small limits lease one unit at a time, so however
 * many nodes share them, exactly `limit` requests pass per window; large limits lease about 2 %
 * of the limit, so a busy key costs a handful of writes per second, and at most one lease per
 * node can be left unspent when its window ends. Once a window's counter is spent, the node
 * refuses that key locally until the window ends: an attack costs one write per node, not one
 * per request.
 */
import type { Logger } from 'pino';
import type { RateLimitSettings } from '../domain/tenant.js';
import type { GatehouseMetrics } from '../metrics/gatehouse-metrics.js';
import type { Counters } from './counters.js';
import { LIMIT_SETTING, secondsLeft, windowStart, type LimitKind } from './limits.js';
import type { RefusalAudit } from './refusal-audit.js';

/** Limits up to this take one unit per write, so nodes together allow exactly the limit. */
const EXACT_UP_TO = 100;
const MAX_LEASE = 1000;
/** A failing counter store is reported at most this often, not once per request. */
const STORE_ERROR_LOG_INTERVAL_MS = 10_000;

export function leaseSize(limit: number): number {
  return limit <= EXACT_UP_TO ? 1 : Math.min(MAX_LEASE, Math.floor(limit / 50));
}

export interface LimiterParts {
  counters: Counters;
  /** Counters shared with other nodes: lease units rather than write per request. */
  shared: boolean;
  metrics: GatehouseMetrics;
  audit: RefusalAudit;
  log: Logger;
}

/** What this node knows of a key in the current window. */
interface KeyState {
  /** Units leased from the counter and not yet spent here. */
  leased: number;
  /** The counter's total when this node last wrote it: the key is spent once it reaches the limit. */
  total: number;
}

export class RateLimiter {
  private window = 0;
  private keys = new Map<string, KeyState>();
  private lastStoreErrorLog = 0;

  constructor(private readonly parts: LimiterParts) {}

  /**
   * Counts one request of `kind` by `key` in the tenant. Returns 0 when it may proceed, otherwise
   * the seconds until the window ends (for Retry-After). `source` (the caller's address) goes to
   * the audit of refusals only.
   */
  async take(tenantId: string, limits: RateLimitSettings, kind: LimitKind, key: string, source: string): Promise<number> {
    const limit = limits[LIMIT_SETTING[kind]];
    if (!limit) return 0;
    const now = Date.now() / 1000;
    const start = windowStart(now);
    if (start !== this.window) this.startWindow(start);
    const id = `${tenantId}\u0000${kind}\u0000${key}`;

    const known = this.keys.get(id);
    if (known && known.leased > 0) {
      known.leased--;
      return 0;
    }
    // Compared with the limit now in force, so raising a tenant's limit takes effect at once.
    if (!known || known.total < limit) {
      const units = this.parts.shared ? leaseSize(limit) : 1;
      let total: number;
      try {
        total = await this.parts.counters.add(tenantId, kind, key, start, units);
      } catch (error) {
        this.storeFailed(error);
        return 0;
      }
      const granted = Math.max(0, Math.min(units, limit - (total - units)));
      // A window that ended while the write was in flight keeps nothing of it.
      if (this.window === start) {
        const state = this.keys.get(id) ?? { leased: 0, total: 0 };
        state.leased += Math.max(0, granted - 1);
        state.total = Math.max(state.total, total);
        this.keys.set(id, state);
      }
      if (granted > 0) return 0;
    }
    this.parts.metrics.rateLimited.inc({ limit: kind });
    this.parts.audit.refused(tenantId, kind, key, limit, start, source);
    return secondsLeft(start, now);
  }

  private startWindow(start: number): void {
    this.window = start;
    this.keys = new Map();
  }

  /** Fail open: an unreachable counter store must not turn every request into an error. */
  private storeFailed(error: unknown): void {
    this.parts.metrics.rateLimitStoreErrors.inc();
    const now = Date.now();
    if (now - this.lastStoreErrorLog < STORE_ERROR_LOG_INTERVAL_MS) return;
    this.lastStoreErrorLog = now;
    this.parts.log.warn({ err: error }, 'rate-limit counters unavailable: requests are let through unlimited until the store answers');
  }
}
