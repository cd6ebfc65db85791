/**
 * The metrics Gatehouse exports (docs/operations.md lists them). Label values come from bounded
 * sets only — route patterns, grant types, error codes, limit kinds — never from client input,
 * so an attacker cannot grow the series.
 */
import { Registry } from './registry.js';

/** Seconds; from a cached JWKS answer (well under a millisecond) to a slow password check. */
const LATENCY_BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const FEED_LAG_BOUNDS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

export class GatehouseMetrics {
  readonly registry = new Registry();

  readonly requests = this.registry.counter('gatehouse_http_requests_total', 'HTTP requests answered, by route pattern, method and status.', ['route', 'method', 'status']);
  readonly latency = this.registry.histogram('gatehouse_http_request_duration_seconds', 'Time from request to response, by route pattern.', ['route'], LATENCY_BOUNDS);
  readonly grants = this.registry.counter('gatehouse_grants_total', 'Token endpoint requests by grant type and outcome (ok, or the OAuth error code).', ['grant_type', 'outcome']);
  readonly tokensIssued = this.registry.counter('gatehouse_tokens_issued_total', 'Access tokens issued, by grant type.', ['grant_type']);
  readonly rateLimited = this.registry.counter('gatehouse_rate_limit_refusals_total', 'Requests refused with 429, by limit.', ['limit']);
  readonly rateLimitStoreErrors = this.registry.counter('gatehouse_rate_limit_store_errors_total', 'Rate-limit counter updates that failed; the request was let through (fail open).');
  readonly lockouts = this.registry.counter('gatehouse_lockouts_total', 'Accounts or browser addresses locked after repeated failed password checks.', ['key_type']);
  readonly feedLag = this.registry.histogram('gatehouse_change_feed_lag_seconds', 'Time from an event (revocation, deactivation) being written to this node applying it.', [], FEED_LAG_BOUNDS);

  /** Ties the gauges to the parts they read, once those exist. */
  watchFeed(feed: { readonly position: number; readonly staleForMs: number }): void {
    this.registry.gauge('gatehouse_change_feed_position', 'Id of the last change event this node applied.', () => feed.position);
    this.registry.gauge('gatehouse_change_feed_stale_seconds', 'How long this node has been unable to read the change feed (0 when healthy).', () => feed.staleForMs / 1000);
  }
}
