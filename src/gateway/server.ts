/**
 * The gateway on GATEWAY_PORT (INTERFACE.md "Gateway"): normalise the path → find the service →
 * refuse TRACE (methods.ts) → verify the bearer token locally (no database read) → the token's
 * issuer must be the service's tenant → a scope pattern must allow the method and path, checked on
 * every request → forward. Errors are RFC 6750 challenges with RFC 9457 problem bodies.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { bearerToken } from '../oauth/bearer.js';
import { OAuthError, bearerError } from '../oauth/errors.js';
import { TokenRejected } from '../oauth/token-verifier.js';
import { isStoreUnavailable } from '../store/errors.js';
import { normalisePath, UnsafePathError } from './path.js';
import { Proxy, UpstreamError } from './proxy.js';
import { Expectations } from './expect.js';
import { methodRefused, routeEveryForwardedMethod } from './methods.js';
import { FORWARDED_METHODS, REFUSED_METHODS } from '../domain/scope.js';
import { sendProblem, type Problem } from './problem.js';
import { answerUnparsedRequest, refuseConnect } from './protocol-refusals.js';
import type { ServiceRegistry } from './services.js';
import type { ScopeMatchers } from './scope-matchers.js';
import { countAnswer, serveMetricsWith } from '../metrics/http.js';
import { frameworkErrors } from '../http/framework-errors.js';
import { statusTitle } from '../http/problem-names.js';
import { lazyRequestLogger } from '../http/request-logger.js';

/** Every proxied path is one route, so one metrics label. */
const GATEWAY_ROUTE = '/*';

const REALM = 'gatehouse';

const notFound = (path: string): Problem => ({ status: 404, title: 'Not found', detail: `no service under ${path}` });

export interface GatewayOptions {
  services: ServiceRegistry;
  matchers: ScopeMatchers;
  /** False while this node may hold stale revocation state: then the gateway fails closed. */
  feedHealthy: () => boolean;
  isDraining?: () => boolean;
}

/**
 * A fastify app set up to forward: no request logging, bodies streamed through untouched, every
 * method the gateway forwards known to the router, requests refused below the router answered in
 * problem JSON, the upstream pools closed with the app. The gateway builds on it; so does the
 * no-auth baseline of bench/gateway.ts, so the two differ by auth alone.
 */
export function proxyApp(log: FastifyBaseLogger): { app: FastifyInstance; proxy: Proxy } {
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    // While closing, fastify would answer a request arriving on an open connection with a 503 of
    // its own shape. Serving it is better: fastify then closes that connection, and the upstream
    // pools close only after the last request in flight (onClose runs once the server is closed).
    return503OnClosing: false,
    frameworkErrors: frameworkErrors(() => true),
    clientErrorHandler: answerUnparsedRequest,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  routeEveryForwardedMethod(app);
  refuseConnect(app.server);
  const proxy = new Proxy(log, new Expectations(app.server));
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
    if (error instanceof OAuthError) return sendProblem(reply, { status: error.status, title: error.status === 403 ? 'Forbidden' : error.status === 401 ? 'Unauthorized' : 'Bad request', detail: error.description, headers: error.headers });
    if (error instanceof UpstreamError) return sendProblem(reply, { status: error.status, title: error.status === 504 ? 'Gateway timeout' : 'Bad gateway', detail: error.message });
    if (isStoreUnavailable(error)) return sendProblem(reply, { status: 503, title: 'Service unavailable', detail: 'the gateway cannot reach its store; retry shortly', headers: { 'retry-after': '1' } });
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return sendProblem(reply, { status, title: statusTitle(status), detail: (error as Error).message });
    gh.log.error({ err: error }, 'unexpected error in the gateway');
    return sendProblem(reply, { status: 500, title: 'Internal error', detail: 'the gateway could not complete the request' });
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
    const target = request.raw.url ?? '/';
    // RFC 9112 §3.2.2: a server accepts the absolute form, and routes by its path.
    const pathOfAbsolute = /^https?:\/\//i.test(target) ? target.replace(/^https?:\/\/[^/?#]*/i, '') : undefined;
    const raw = pathOfAbsolute === undefined ? target : pathOfAbsolute.startsWith('/') ? pathOfAbsolute : `/${pathOfAbsolute}`;
    // RFC 9112 §3.2.1: a request target has no fragment; forwarded, it would become part of the path.
    if (raw.includes('#')) return counted(sendProblem(reply, { status: 400, title: 'Bad request', detail: 'a request target cannot carry a fragment ("#")' }));
    const queryAt = raw.indexOf('?');
    const rawPath = queryAt < 0 ? raw : raw.slice(0, queryAt);
    const search = queryAt < 0 ? '' : raw.slice(queryAt);
    let normal;
    try {
      normal = normalisePath(rawPath);
    } catch (error) {
      if (error instanceof UnsafePathError) return counted(sendProblem(reply, { status: 400, title: 'Bad request', detail: error.message }));
      throw error;
    }
    const service = await options.services.route(normal.path);
    if (!service) return counted(sendProblem(reply, notFound(normal.path)));
    if (!options.feedHealthy()) return counted(sendProblem(reply, { status: 503, title: 'Service unavailable', detail: 'this node lost the revocation feed; it refuses to decide on stale state', headers: { 'retry-after': '1' } }));
    const tenant = await gh.tenants.get(service.tenantId);
    if (!tenant) return counted(sendProblem(reply, notFound(normal.path)));
    // Refused with or without a token: no credentials are needed to learn that.
    if (REFUSED_METHODS.has(request.method)) return counted(sendProblem(reply, methodRefused(request.method)));

    const token = bearerToken(request, REALM, tenant.tenant.settings.compat.oauth_scheme);
    if (!token) return counted(sendProblem(reply, { status: 401, title: 'Unauthorized', detail: 'an access token is required', headers: { 'www-authenticate': `Bearer realm="${REALM}"` } }));
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
  // TRACE goes through the handler to be refused there, after the path checks (INTERFACE.md: 400
  // for an unsafe path, 404 under no service); CONNECT never reaches fastify (protocol-refusals.ts).
  app.route({ method: [...FORWARDED_METHODS, 'TRACE'], url: GATEWAY_ROUTE, handler, exposeHeadRoute: false });
  // What the router cannot match is not a path (`OPTIONS *`): the handler refuses it as it refuses any unsafe path.
  app.setNotFoundHandler(handler);
  return app;
}
