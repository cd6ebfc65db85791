/**
 * Cookies are bound to their tenant: a name per tenant and the tenant's path, so one tenant's
 * session is nothing in another (and stored sessions are checked against the tenant too).
 */
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { TenantContext } from '../core/tenants.js';

export function cookieName(kind: 'session' | 'csrf', tenant: TenantContext): string {
  return `gh_${kind}_${tenant.tenant.id}`;
}

export function cookieOptions(tenant: TenantContext, maxAgeS?: number): CookieSerializeOptions {
  return {
    path: `${tenant.basePath}/`,
    httpOnly: true,
    sameSite: 'lax',
    secure: tenant.issuer.startsWith('https:'),
    ...(maxAgeS ? { maxAge: maxAgeS } : {}),
  };
}
