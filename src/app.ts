/**
 * Assembles the authorization server's HTTP app: health, the OAuth endpoints and the admin API,
 * each mounted for the default tenant at the root and for every other tenant under /t/{id}.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import type { Gatehouse } from './gatehouse.js';
import { securityHeaders } from './http/security-headers.js';
import { healthRoutes } from './http/health.js';
import { oauthPlugin } from './oauth/plugin.js';
import { adminPlugin } from './admin/plugin.js';
import { uiPlugin } from './ui/plugin.js';
import { consolePlugin } from './console/plugin.js';
import { oauthErrorHandler } from './oauth/render-error.js';
import { rfc8414Plugin } from './oauth/endpoints/discovery.js';
import { ProblemSchema } from './admin/schemas.js';
import { instrumentRequests, serveMetricsWith } from './metrics/http.js';
import { frameworkErrors } from './http/framework-errors.js';
import { refuseUnstorableText } from './http/unstorable-text.js';
import { recordRouteMethods, refuseUnsupportedMethod } from './http/method-not-allowed.js';
import { answerPreflight } from './http/cors.js';
import { acceptEmptyJsonBodies } from './http/empty-json-body.js';
import { lazyRequestLogger } from './http/request-logger.js';
import { isUnderUnknownTenant } from './tenancy/resolve-tenant.js';

export interface AppOptions {
  isDraining?: () => boolean;
}

export async function buildApp(gh: Gatehouse, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: gh.log as unknown as FastifyBaseLogger,
    // Per-request log lines would cost more than the token grant itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: 256 * 1024,
    // Admin inputs are validated strictly: no coercion of "true" to true, no silently dropped fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
    return503OnClosing: true,
    // Only the configured balancers may say who the client is (X-Forwarded-For); nobody by default.
    trustProxy: gh.config.trustProxy.length > 0 ? gh.config.trustProxy : false,
    frameworkErrors: frameworkErrors((path) => path.includes('/admin/api/')),
  });
  app.setErrorHandler(oauthErrorHandler(gh.log));
  instrumentRequests(app, gh.metrics);
  refuseUnstorableText(app);
  recordRouteMethods(app);
  acceptEmptyJsonBodies(app);
  if (gh.config.metricsPort !== undefined) serveMetricsWith(app, gh.metrics, gh.config.host, gh.config.metricsPort);
  app.setNotFoundHandler(async (request, reply) => {
    // Under /t/{id} of no tenant, 404 whatever the method, as the tenant-scoped routes answer.
    if (!(await isUnderUnknownTenant(request.url, gh.tenants))) {
      if (answerPreflight(request, reply)) return reply;
      refuseUnsupportedMethod(request);
    }
    return reply.code(404).header('cache-control', 'no-store').send({ error: 'not_found', error_description: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
  await app.register(formbody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Gatehouse admin API', version: '1', description: 'Clients, scopes, tokens, settings and audit of a Gatehouse tenant. Every path also exists under /t/{tenant}.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'an access token with scope admin' } } },
      security: [{ bearer: [] }],
    },
    transform: ({ schema, url }) => ({ schema, url: url.replace(/^\/admin\/api\/v1/, '') }),
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.addSchema(ProblemSchema);
  securityHeaders(app, gh.config.issuer.startsWith('https:'));
  healthRoutes(app, gh, options.isDraining ?? (() => false));

  await app.register(oauthPlugin, { gh });
  await app.register(uiPlugin, { gh });
  await app.register(uiPlugin, { gh, prefix: '/t/:tenant' });
  await app.register(oauthPlugin, { gh, prefix: '/t/:tenant' });
  await app.register(adminPlugin, { gh, documented: true, prefix: '/admin/api/v1' });
  await app.register(adminPlugin, { gh, documented: false, prefix: '/t/:tenant/admin/api/v1' });
  await app.register(rfc8414Plugin, { gh });
  await app.register(consolePlugin, { gh });
  return app;
}
