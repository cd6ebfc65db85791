/**
 * The gateway on GATEWAY_PORT (INTERFACE.md "Gateway"): normalise the path → find the service →
 * verify the bearer token locally (no database read) → the token's issuer must be the service's
 * tenant → a scope pattern must allow the method and path, checked on every request → forward.
 * Errors are RFC 6750 challenges with RFC 9457 problem bodies.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { bearerToken } from '../oauth/bearer.js';
import { OAuthError, bearerError } from '../oauth/errors.js';
import { TokenRejected } from '../oauth/token-verifier.js';
import { isStoreUnavailable } from '../store/errors.js';
import { normalisePath, UnsafePathError } from './path.js';
import { Proxy, UpstreamError } from './proxy.js';
import type { ServiceRegistry } from './services.js';
import type { ScopeMatchers } from './scope-matchers.js';
import { countAnswer, serveMetricsWith } from '../metrics/http.js';
import { frameworkErrors } from '../http/framework-errors.js';
import { lazyRequestLogger } from '../http/request-logger.js';

/** Every proxied path is one route, so one metrics label. */
const GATEWAY_ROUTE = '/*';

const REALM = 'gatehouse';

export interface GatewayOptions {
  services: ServiceRegistry;
  matchers: ScopeMatchers;
  /** False while this node may hold stale revocation state: then the gateway fails closed. */
  feedHealthy: () => boolean;
  isDraining?: () => boolean;
}

function problem(reply: FastifyReply, status: number, title: string, detail: string, headers: Record<string, string> = {}): FastifyReply {
  return reply
    .code(status)
    .headers({ 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers })
    .send(JSON.stringify({ type: `urn:gatehouse:problem:${title.toLowerCase().replace(/[^a-z]+/g, '-')}`, title, status, detail }));
}

/**
 * A fastify app set up to forward: no request logging, bodies streamed through untouched, the
 * upstream pools closed with the app. The gateway builds on it; so does the no-auth baseline of
 * bench/gateway.ts, so the two differ by auth alone.
 */
export function proxyApp(log: FastifyBaseLogger): { app: FastifyInstance; proxy: Proxy } {
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    return503OnClosing: true,
    frameworkErrors: frameworkErrors(() => true),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  const proxy = new Proxy();
  app.addHook('onClose', () => proxy.close());
  return { app, proxy };
}

export async function buildGateway(gh: Gatehouse, options: GatewayOptions): Promise<FastifyInstance> {
  const { app, proxy } = proxyApp(gh.log as unknown as FastifyBaseLogger);
  // With the authorization server in the same process, its listener already serves these metrics.
  if (gh.config.role === 'gateway' && gh.config.metricsPort !== undefined) serveMetricsWith(app, gh.metrics, gh.config.host, gh.config.metricsPort);

  // Answers are counted where they are made (status known, response about to be sent) rather than
  // by a hook that follows every streamed response to its end.
  const counted = (reply: FastifyReply): FastifyReply => {
    countAnswer(gh.metrics, GATEWAY_ROUTE, reply);
    return reply;
  };
  app.setErrorHandler((error, _request, reply) => counted(answerError(error, reply)));
  const answerError = (error: unknown, reply: FastifyReply): FastifyReply => {
    if (error instanceof OAuthError) return problem(reply, error.status, error.status === 403 ? 'Forbidden' : error.status === 401 ? 'Unauthorized' : 'Bad request', error.description, error.headers);
    if (error instanceof UpstreamError) return problem(reply, error.status, error.status === 504 ? 'Gateway timeout' : 'Bad gateway', error.message);
    if (isStoreUnavailable(error)) return problem(reply, 503, 'Service unavailable', 'the gateway cannot reach its store; retry shortly', { 'retry-after': '1' });
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return problem(reply, status, 'Bad request', (error as Error).message);
    gh.log.error({ err: error }, 'unexpected error in the gateway');
    return problem(reply, 500, 'Internal error', 'the gateway could not complete the request');
  };

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (options.isDraining?.()) return reply.code(503).send({ status: 'draining' });
    if (!options.feedHealthy()) return reply.code(503).send({ status: 'unavailable', reason: 'the revocation feed is disconnected' });
    try {
      await gh.store.ping();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'the store is not reachable' });
    }
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = request.raw.url ?? '/';
    const queryAt = raw.indexOf('?');
    const rawPath = queryAt < 0 ? raw : raw.slice(0, queryAt);
    const search = queryAt < 0 ? '' : raw.slice(queryAt);
    let normal;
    try {
      normal = normalisePath(rawPath);
    } catch (error) {
      if (error instanceof UnsafePathError) return counted(problem(reply, 400, 'Bad request', error.message));
      throw error;
    }
    const service = await options.services.route(normal.path);
    if (!service) return counted(problem(reply, 404, 'Not found', `no service under ${normal.path}`));
    if (!options.feedHealthy()) return counted(problem(reply, 503, 'Service unavailable', 'this node lost the revocation feed; it refuses to decide on stale state', { 'retry-after': '1' }));
    const tenant = await gh.tenants.get(service.tenantId);
    if (!tenant) return counted(problem(reply, 404, 'Not found', `no service under ${normal.path}`));

    const token = bearerToken(request, REALM, tenant.tenant.settings.compat.oauth_scheme);
    if (!token) return counted(problem(reply, 401, 'Unauthorized', 'an access token is required', { 'www-authenticate': `Bearer realm="${REALM}"` }));
    let verified;
    try {
      verified = await gh.tokenVerifier.verify(token, tenant);
    } catch (error) {
      if (error instanceof TokenRejected) throw bearerError('invalid_token', error.message, REALM);
      throw error;
    }
    const matcher = await options.matchers.forTenant(tenant.tenant.id);
    if (!matcher.allows(request.method, normal.segments, verified.scopes)) {
      const needed = [...matcher.scopesFor(request.method, normal.segments)].join(' ');
      throw bearerError('insufficient_scope', `the token's scopes do not cover ${request.method} ${normal.path}`, REALM, needed || undefined);
    }
    const { claims } = verified;
    return proxy.forward(request, reply, service, normal.path, search, { clientId: claims.client_id, subject: claims.sub, scope: claims.scope ?? '' }, counted);
  };
  app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: GATEWAY_ROUTE, handler, exposeHeadRoute: false });
  return app;
}
