/**
 * Every tenant-scoped route is mounted twice: at the root for the default tenant and under
 * `/t/:tenant`. This hook turns the route into the request's TenantContext (or a 404), so
 * handlers below never look at the path to find their tenant.
 */
import type { FastifyInstance } from 'fastify';
import type { TenantContext, TenantRegistry } from '../core/tenants.js';
import { DEFAULT_TENANT_ID, TENANT_ID_PATTERN } from '../domain/tenant.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: TenantContext;
  }
}

export class UnknownTenantError extends Error {
  readonly statusCode = 404;
}

export function resolveTenant(app: FastifyInstance, tenants: TenantRegistry): void {
  if (!app.hasRequestDecorator('tenant')) app.decorateRequest('tenant', null as unknown as TenantContext);
  // onRequest: an unknown tenant is a 404 before anything is parsed, and later hooks
  // (the admin API's authentication) have the tenant.
  app.addHook('onRequest', async (request) => {
    const segment = (request.params as { tenant?: string }).tenant;
    const tenant = await mountedTenant(segment, tenants);
    if (!tenant) throw new UnknownTenantError(`no tenant "${segment ?? DEFAULT_TENANT_ID}"`);
    request.tenant = tenant;
  });
}

/**
 * The tenant of a mount point: the default tenant at the root (`segment` undefined), else the
 * tenant `/t/{segment}` names, if any. The default tenant lives at the root only: /t/default is
 * not a second address for it.
 */
function mountedTenant(segment: string | undefined, tenants: TenantRegistry): Promise<TenantContext | undefined> {
  if (segment === undefined) return tenants.get(DEFAULT_TENANT_ID);
  return TENANT_ID_PATTERN.test(segment) && segment !== DEFAULT_TENANT_ID ? tenants.get(segment) : Promise.resolve(undefined);
}

/** Whether `url` lies under /t/{id} of no tenant (or is its RFC 8414 metadata): nothing is served there, whatever the method. */
export async function isUnderUnknownTenant(url: string, tenants: TenantRegistry): Promise<boolean> {
  // RFC 8414's metadata of a tenant lives at /.well-known/oauth-authorization-server/t/{id}.
  const segment = /^(?:\/\.well-known\/oauth-authorization-server)?\/t\/([^/?#]+)/.exec(url)?.[1];
  return segment !== undefined && !(await mountedTenant(segment, tenants));
}
