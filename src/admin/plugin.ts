/**
 * The admin API of one tenant mount point (`{issuer}/admin/api/v1`): bearer auth with scope
 * admin, RFC 9457 errors, and the OpenAPI 3.1 document generated from the route schemas.
 */
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { resolveTenant } from '../tenancy/resolve-tenant.js';
import { requireAdmin } from './auth.js';
import { problemErrorHandler } from './problem.js';
import { clientRoutes } from './clients.js';
import { scopeRoutes } from './scopes.js';
import { tokenRoutes } from './tokens.js';
import { settingsRoutes } from './settings.js';
import { auditRoutes } from './audit.js';

export async function adminPlugin(app: FastifyInstance, { gh, documented }: { gh: Gatehouse; documented: boolean }): Promise<void> {
  resolveTenant(app, gh.tenants);
  requireAdmin(app, gh);
  app.setErrorHandler(problemErrorHandler(gh.log));
  // The API is mounted at the root and under /t/{tenant}; OpenAPI documents it once.
  if (!documented) {
    app.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
  }
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  clientRoutes(app, gh, ['clients']);
  scopeRoutes(app, gh, ['scopes']);
  tokenRoutes(app, gh, ['tokens']);
  settingsRoutes(app, gh, ['settings']);
  auditRoutes(app, gh, ['audit']);
}
