/**
 * The admin API of one tenant mount point (`{issuer}/admin/api/v1`): bearer auth with scope
 * admin, RFC 9457 errors, and the OpenAPI 3.1 document generated from the route schemas.
 */
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { resolveTenant } from '../tenancy/resolve-tenant.js';
import { requireAdmin } from './auth.js';
import { Problem, problemErrorHandler } from './problem.js';
import { clientRoutes } from './clients.js';
import { scopeRoutes } from './scopes.js';
import { tokenRoutes } from './tokens.js';
import { settingsRoutes } from './settings.js';
import { auditRoutes } from './audit.js';
import { userRoutes } from './users.js';
import { serviceRoutes } from './services.js';
import { tenantRoutes } from './tenants.js';
import { apiKeyRoutes } from './api-keys.js';
import { keyRoutes } from './keys.js';

export async function adminPlugin(app: FastifyInstance, { gh, documented }: { gh: Gatehouse; documented: boolean }): Promise<void> {
  resolveTenant(app, gh.tenants);
  requireAdmin(app, gh);
  app.setErrorHandler(problemErrorHandler(gh.log));
  // Unknown paths and methods under the API are problems too (RFC 9457), not the app's OAuth-shaped 404.
  app.setNotFoundHandler(async (request) => {
    throw new Problem(404, 'Not found', `no route for ${request.method} ${request.url.split('?')[0]}`);
  });
  // The paths of this API, as OpenAPI writes them ("/clients/{clientId}").
  const apiPaths = new Set<string>();
  app.addHook('onRoute', (route) => {
    apiPaths.add(route.url.replace(/^.*\/admin\/api\/v1/, '').replace(/:([A-Za-z0-9_]+)/g, '{$1}'));
  });
  // The API is mounted at the root and under /t/{tenant}; OpenAPI documents it once.
  if (!documented) {
    app.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
  }
  // The app's generator sees every route; the OAuth and health routes do not live under this
  // document's server URL ({issuer}/admin/api/v1), so only this API's paths are kept.
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => {
    const document = app.swagger() as { paths?: Record<string, unknown> };
    return { ...document, paths: Object.fromEntries(Object.entries(document.paths ?? {}).filter(([path]) => apiPaths.has(path))) };
  });
  clientRoutes(app, gh, ['clients']);
  scopeRoutes(app, gh, ['scopes']);
  tokenRoutes(app, gh, ['tokens']);
  userRoutes(app, gh, ['users']);
  serviceRoutes(app, gh, ['services']);
  tenantRoutes(app, gh, ['tenants']);
  apiKeyRoutes(app, gh, ['api keys']);
  keyRoutes(app, gh, ['signing keys']);
  settingsRoutes(app, gh, ['settings']);
  auditRoutes(app, gh, ['audit']);
}
