/**
 * The admin API of one tenant mount point (`{issuer}/admin/api/v1`): bearer auth with scope
 * admin, RFC 9457 errors, and the OpenAPI 3.1 document generated from the route schemas.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
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
import { refuseUnsupportedMethod } from '../http/method-not-allowed.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The request body may be left out: the handler then gets {}, and OpenAPI says it is not required. */
    optionalBody?: boolean;
    /**
     * Body fields a create needs, for the document: the route's schema leaves them optional, so
     * that the handler's own check answers a missing one with what it must be.
     */
    requiredFields?: string[];
  }
}

interface OpenApiDocument {
  paths?: Record<string, Record<string, { requestBody?: { required?: boolean; content?: Record<string, { schema?: { required?: string[] } }> } }>>;
}

interface BodyNotes {
  /** path → operations whose body may be left out */
  optional: Map<string, string[]>;
  /** path → operation → fields its body must have */
  required: Map<string, Map<string, string[]>>;
}

/** The route's path as OpenAPI writes it ("/clients/{clientId}"). */
const openApiPath = (route: RouteOptions) => route.url.replace(/^.*\/admin\/api\/v1/, '').replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * This API's paths only: the app's generator also sees the OAuth and health routes, which do not
 * live under this document's server URL. The generator marks every body required and no field of
 * one: `notes` corrects both.
 */
function documentedPaths(document: OpenApiDocument, apiPaths: Set<string>, notes: BodyNotes): OpenApiDocument['paths'] {
  const paths = structuredClone(Object.fromEntries(Object.entries(document.paths ?? {}).filter(([path]) => apiPaths.has(path))));
  for (const [path, methods] of notes.optional) {
    for (const method of methods) {
      const requestBody = paths[path]?.[method]?.requestBody;
      if (requestBody) requestBody.required = false;
    }
  }
  for (const [path, methods] of notes.required) {
    for (const [method, fields] of methods) {
      const schema = paths[path]?.[method]?.requestBody?.content?.['application/json']?.schema;
      if (schema) schema.required = fields;
    }
  }
  return paths;
}

export async function adminPlugin(app: FastifyInstance, { gh, documented }: { gh: Gatehouse; documented: boolean }): Promise<void> {
  // Its answers hold secrets (a client's, a new tenant's admin's, tokens) or an administrator's
  // view of them: no cache keeps one (RFC 6749 §5.1 asks it of every credential).
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });
  resolveTenant(app, gh.tenants);
  requireAdmin(app, gh);
  // The OAuth endpoints read forms; this API takes JSON only, as its document says (415 otherwise).
  // An empty body is no body, whatever its type says (curl -d '' sends a form type).
  const notJson = ['application/x-www-form-urlencoded', 'text/plain'];
  app.removeContentTypeParser(notJson);
  app.addContentTypeParser(notJson, { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    done(new Problem(415, 'Unsupported media type', 'this API takes application/json request bodies'), undefined);
  });
  app.setErrorHandler(problemErrorHandler(gh.log));
  // Unknown paths and methods under the API are problems too (RFC 9457), not the app's OAuth-shaped 404 or 405.
  app.setNotFoundHandler(async (request) => {
    refuseUnsupportedMethod(request);
    throw new Problem(404, 'Not found', `no route for ${request.method} ${request.url.split('?')[0]}`);
  });
  const apiPaths = new Set<string>();
  const notes: BodyNotes = { optional: new Map(), required: new Map() };
  app.addHook('onRoute', (route) => {
    const path = openApiPath(route);
    const methods = [route.method].flat().map((method) => method.toLowerCase());
    apiPaths.add(path);
    const requiredFields = route.config?.requiredFields;
    if (requiredFields) for (const method of methods) notes.required.set(path, (notes.required.get(path) ?? new Map()).set(method, requiredFields));
    if (!route.config?.optionalBody) return;
    notes.optional.set(path, [...(notes.optional.get(path) ?? []), ...methods]);
    route.preValidation = [
      async (request) => {
        request.body ??= {};
      },
      ...[route.preValidation ?? []].flat(),
    ];
  });
  // The API is mounted at the root and under /t/{tenant}; OpenAPI documents it once.
  if (!documented) {
    app.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
  }
  // One document for every tenant, each served with its own URL.
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async (request) => {
    const document = app.swagger() as OpenApiDocument;
    return { ...document, servers: [{ url: `${request.tenant.issuer}/admin/api/v1` }], paths: documentedPaths(document, apiPaths, notes) };
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
