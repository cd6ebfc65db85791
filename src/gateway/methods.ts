/**
 * Which request methods the gateway forwards (docs/security.md, "methods at the gateway"). TRACE
 * echoes the request back, credentials included (cross-site tracing), and CONNECT would make the
 * gateway an open tunnel: both are refused whatever the token, though after the path checks (an
 * unsafe path is still 400, a path under no service 404). Every other method Node's HTTP parser
 * accepts (WebDAV's PROPFIND and MKCOL, QUERY, ...) is forwarded like GET or POST, so a WebDAV or
 * CalDAV upstream works behind the gateway: the scope patterns decide, and a pattern that names
 * methods allows those alone. Methods the parser does not know never reach fastify
 * (protocol-refusals.ts answers them 501).
 */
import type { FastifyInstance } from 'fastify';
import { FORWARDED_METHODS } from '../domain/scope.js';
import type { Problem } from './problem.js';

/** Makes fastify's router know every forwarded method; the extension methods may carry a body. */
export function routeEveryForwardedMethod(app: FastifyInstance): void {
  const known = new Set(app.supportedMethods);
  for (const method of FORWARDED_METHODS) if (!known.has(method)) app.addHttpMethod(method, { hasBody: true });
}

/** The answer to TRACE and CONNECT, wherever they are sent. */
export function methodRefused(method: string): Problem {
  return {
    status: 405,
    title: 'Method not allowed',
    detail: `the gateway never forwards ${method}: it would echo or tunnel the caller's credentials`,
    // RFC 9110 §15.5.6: a 405 lists the methods that can be used.
    headers: { allow: FORWARDED_METHODS.join(', ') },
  };
}
