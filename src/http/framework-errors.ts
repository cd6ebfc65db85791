/**
 * Requests fastify's router refuses before any route or error handler runs (a malformed escape in
 * the path, a path segment over the length limit) are answered in the protocol's own format:
 * RFC 9457 problem JSON or RFC 6749 §5.2 JSON, never the framework's own error codes.
 */
import type { FastifyReply, FastifyServerOptions } from 'fastify';

type FrameworkErrors = NonNullable<FastifyServerOptions['frameworkErrors']>;

function describe(code: string | undefined): string {
  if (code === 'FST_ERR_MAX_PARAM_LENGTH') return 'a segment of the request path is longer than the server accepts';
  if (code === 'FST_ERR_BAD_URL') return 'the request path is not a valid URL path (malformed percent-encoding)';
  return 'the request path cannot be routed';
}

/** `asProblem` tells which paths answer RFC 9457 problems; the others answer OAuth errors. */
export function frameworkErrors(asProblem: (path: string) => boolean): FrameworkErrors {
  return (error, request, untypedReply) => {
    // The option's reply is typed for a generic route; this answer needs none of its schema types.
    const reply = untypedReply as unknown as FastifyReply;
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
    const detail = describe(error.code);
    const path = request.url.split('?')[0] ?? '/';
    reply.code(status).header('cache-control', 'no-store');
    if (asProblem(path)) {
      reply
        .header('content-type', 'application/problem+json')
        .send(JSON.stringify({ type: 'urn:gatehouse:problem:bad-request', title: 'Bad request', status, detail }));
    } else {
      reply.send({ error: 'invalid_request', error_description: detail });
    }
  };
}
