/**
 * Audit of rate-limit refusals, aggregated so an attack cannot flood the audit table: per node and
 * window, one `rate_limit.exceeded` event for the first refusal of each key, and at most
 * MAX_EVENTS_PER_WINDOW events in all; every refusal is still counted in the metrics.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import type { LimitKind } from './limits.js';

const MAX_EVENTS_PER_WINDOW = 100;

export class RefusalAudit {
  private window = 0;
  private reported = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  refused(tenantId: string, kind: LimitKind, key: string, limit: number, windowStart: number, source: string): void {
    if (windowStart !== this.window) {
      this.window = windowStart;
      this.reported = new Set();
    }
    const id = `${tenantId}\u0000${kind}\u0000${key}`;
    if (this.reported.has(id) || this.reported.size >= MAX_EVENTS_PER_WINDOW) return;
    this.reported.add(id);
    // Clients are named by their id; addresses and typed usernames are not actors, only targets.
    const actor = kind.endsWith('_client') ? key : 'anonymous';
    const event = { tenantId, actor, source, action: 'rate_limit.exceeded', target: `${kind}:${key}`, detail: { limit, window_start: windowStart }, createdAt: Math.floor(Date.now() / 1000) };
    // Not awaited: the 429 must not wait for, or fail with, the audit write.
    this.store.audit.append(event).catch((error: unknown) => this.log.warn({ err: error }, 'could not record a rate-limit refusal in the audit log'));
  }
}
