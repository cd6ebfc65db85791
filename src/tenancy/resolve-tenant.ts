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
  app.addHook('preHandler', async (request) => {
    const id = (request.params as { tenant?: string }).tenant ?? DEFAULT_TENANT_ID;
    // The default tenant lives at the root only: /t/default is not a second address for it.
    const tenant = TENANT_ID_PATTERN.test(id) && !(id === DEFAULT_TENANT_ID && (request.params as { tenant?: string }).tenant) ? await tenants.get(id) : undefined;
    if (!tenant) throw new UnknownTenantError(`no tenant "${id}"`);
    request.tenant = tenant;
  });
}

/** Whether `url` lies under /t/{id} of no tenant: nothing is served there, whatever the method. */
export async function isUnderUnknownTenant(url: string, tenants: TenantRegistry): Promise<boolean> {
  const id = /^\/t\/([^/?#]+)/.exec(url)?.[1];
  if (id === undefined) return false;
  return !(TENANT_ID_PATTERN.test(id) && id !== DEFAULT_TENANT_ID && (await tenants.get(id)));
}
