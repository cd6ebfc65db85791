/**
 * RFC 9110 §15.5.6: a request for a path that routes serve, with a method none of them accepts,
 * answers 405 with the methods they do accept in `Allow`, not 404. Fastify routes by method
 * first, so such a request reaches a not-found handler: the routes are recorded as they are added,
 * and each not-found handler asks here before it answers 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OAuthError } from '../oauth/errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The methods of the routes whose URL pattern matches `path`; empty when none does. */
    routeMethods(path: string): string[];
  }
}

interface RoutePattern {
  matcher: RegExp;
  methods: Set<string>;
}

/** A route URL as a regular expression: a `:param` segment matches any one segment, `*` the rest. */
function matcherOf(url: string): RegExp {
  const segments = url
    .split('/')
    .map((segment) => (segment === '*' ? '.*' : segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}$`);
}

/** Records the routes added from now on: this instance's, and those of plugins it registers later. */
export function recordRouteMethods(app: FastifyInstance): void {
  const patterns = new Map<string, RoutePattern>();
  app.addHook('onRoute', ({ url, method }) => {
    const pattern = patterns.get(url) ?? { matcher: matcherOf(url), methods: new Set<string>() };
    for (const each of [method].flat()) pattern.methods.add(each);
    patterns.set(url, pattern);
  });
  app.decorate('routeMethods', (path: string) => {
    const methods = new Set<string>();
    for (const pattern of patterns.values()) {
      if (pattern.matcher.test(path)) for (const method of pattern.methods) methods.add(method);
    }
    return [...methods].sort();
  });
}

/** The path as the router matched it: without the query, percent-decoded as find-my-way decodes it. */
function routedPath(url: string): string | undefined {
  try {
    return decodeURI(url.split(/[?#]/, 1)[0] ?? '');
  } catch {
    return undefined;
  }
}

/**
 * Throws a 405 when other methods serve the request's path. It is an OAuthError so that each
 * area's error handler renders it in its own format (RFC 6749 JSON, or an RFC 9457 problem).
 */
export function refuseUnsupportedMethod(request: FastifyRequest): void {
  const path = routedPath(request.url);
  const allowed = path === undefined ? [] : request.server.routeMethods(path);
  // A method the patterns allow yet the router did not route is a path they match more loosely
  // than the router does (a parametric segment with a constraint): that is a 404.
  if (allowed.length === 0 || allowed.includes(request.method)) return;
  const allow = allowed.join(', ');
  throw new OAuthError('invalid_request', `${request.method} is not allowed on ${path}; it accepts ${allow}`, { status: 405, headers: { allow } });
}
