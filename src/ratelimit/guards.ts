/** The checks the endpoints call before they do any work, each refusing in its endpoint's format. */
import type { Gatehouse } from '../gatehouse.js';
import type { TenantContext } from '../core/tenants.js';
import { LIMIT_SETTING } from './limits.js';
import { RateLimitedPage, tooManyRequests } from './responses.js';

type Parts = Pick<Gatehouse, 'rateLimiter' | 'clients'>;

/**
 * Token and introspection requests, per claimed client id — before authentication, so failed
 * attempts count and guessing a client's secret is limited too. Only existing clients are
 * counted: made-up ids fail authentication anyway, and would each cost a counter.
 */
export async function limitClient(gh: Parts, tenant: TenantContext, kind: 'token_client' | 'introspect_client', clientId: string | undefined, source: string): Promise<void> {
  const limits = tenant.tenant.settings.rate_limits;
  if (!clientId || !limits[LIMIT_SETTING[kind]]) return;
  if (!(await gh.clients.get(tenant.tenant.id, clientId))) return;
  const retryAfter = await gh.rateLimiter.take(tenant.tenant.id, limits, kind, clientId, source);
  if (retryAfter) throw tooManyRequests(retryAfter, 'for this client');
}

/** Authorization and login pages, per browser address or per account (the username typed). */
export async function limitPage(gh: Parts, tenant: TenantContext, kind: 'authorize_source' | 'login_source' | 'login_account', key: string, source: string): Promise<void> {
  const retryAfter = await gh.rateLimiter.take(tenant.tenant.id, tenant.tenant.settings.rate_limits, kind, key, source);
  if (retryAfter) throw new RateLimitedPage(retryAfter);
}
