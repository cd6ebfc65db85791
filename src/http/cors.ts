/**
 * CORS for the endpoints a browser application calls from its own origin (OAuth 2.0 for
 * Browser-Based Applications): server metadata, JWKS, token, revocation and userinfo. None of
 * them reads a cookie or any other credential the browser adds by itself, so every origin may
 * call them, never with credentials: what a page can do there, any program can. The
 * authorization endpoint, the sign-in pages, registration, introspection and the admin API get
 * no CORS at all.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Paths under a tenant's mount point (the root or /t/{id}) that answer cross-origin requests. */
const CROSS_ORIGIN_PATHS = ['/.well-known/openid-configuration', '/oauth/jwks', '/oauth/token', '/oauth/revoke', '/oauth/userinfo'];
const RFC8414_METADATA = '/.well-known/oauth-authorization-server';
const PREFLIGHT_MAX_AGE_S = '600';

/** `path` is a route URL (`/t/:tenant/oauth/token`) or a request's path (`/t/acme/oauth/token`). */
function allowsCrossOrigin(path: string): boolean {
  const tenantPath = path.replace(/^\/t\/[^/]+(?=\/)/, '');
  return CROSS_ORIGIN_PATHS.includes(tenantPath) || path.startsWith(RFC8414_METADATA);
}

/**
 * Adds `Access-Control-Allow-Origin: *` to the cross-origin requests of this scope's CORS paths,
 * errors included: a page must be able to read `invalid_grant` or a `WWW-Authenticate` challenge.
 */
export function allowCrossOrigin(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (request.headers.origin === undefined || route === undefined || !allowsCrossOrigin(route)) return;
    reply.header('access-control-allow-origin', '*').header('access-control-expose-headers', 'WWW-Authenticate, Retry-After');
  });
}

/**
 * Answers the preflight of a CORS path (from the not-found handler: no route serves OPTIONS, so
 * `Allow` keeps naming the methods the resource serves); false when the request is not one.
 */
export function answerPreflight(request: FastifyRequest, reply: FastifyReply): boolean {
  const path = request.url.split('?', 1)[0] ?? '';
  if (request.method !== 'OPTIONS' || request.headers.origin === undefined || request.headers['access-control-request-method'] === undefined) return false;
  if (!allowsCrossOrigin(path)) return false;
  const methods = request.server.routeMethods(path).filter((method) => method !== 'HEAD');
  if (methods.length === 0) return false;
  reply
    .code(204)
    .header('access-control-allow-origin', '*')
    .header('access-control-allow-methods', methods.join(', '))
    .header('access-control-allow-headers', 'Authorization, Content-Type')
    .header('access-control-max-age', PREFLIGHT_MAX_AGE_S)
    .send();
  return true;
}
