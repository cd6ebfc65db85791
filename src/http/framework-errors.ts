/**
 * Fastify's own errors in the API's words. Requests its router refuses before any route or error
 * handler runs (a malformed escape in the path, a path segment over the length limit) are
 * answered in the protocol's own format: RFC 9457 problem JSON or RFC 6749 §5.2 JSON, never the
 * framework's own error codes.
 */
import type { FastifyReply, FastifyServerOptions } from 'fastify';
import { problemType, statusTitle } from './problem-names.js';

type FrameworkErrors = NonNullable<FastifyServerOptions['frameworkErrors']>;

const DETAILS: Record<string, string> = {
  FST_ERR_MAX_PARAM_LENGTH: 'a segment of the request path is longer than the server accepts',
  FST_ERR_BAD_URL: 'the request path is not a valid URL path (malformed percent-encoding)',
  FST_ERR_CTP_BODY_TOO_LARGE: 'the request body is larger than the server accepts',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'the media type of the request body (Content-Type) is not accepted here',
};

/** What a framework error means for the client; `fallback` when it is not one worded here. */
export function describeFrameworkError(error: { code?: string; message: string }, fallback = error.message): string {
  return (error.code !== undefined ? DETAILS[error.code] : undefined) ?? fallback;
}

/** `asProblem` tells which paths answer RFC 9457 problems; the others answer OAuth errors. */
export function frameworkErrors(asProblem: (path: string) => boolean): FrameworkErrors {
  return (error, request, untypedReply) => {
    // The option's reply is typed for a generic route; this answer needs none of its schema types.
    const reply = untypedReply as unknown as FastifyReply;
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
    const detail = describeFrameworkError(error, 'the request path cannot be routed');
    const path = request.url.split('?')[0] ?? '/';
    reply.code(status).header('cache-control', 'no-store');
    if (asProblem(path)) {
      const title = statusTitle(status);
      reply.header('content-type', 'application/problem+json').send(JSON.stringify({ type: problemType(title), title, status, detail }));
    } else {
      reply.send({ error: 'invalid_request', error_description: detail });
    }
  };
}
