/**
 * The one place OAuth errors become HTTP responses (RFC 6749 §5.2 JSON, no-store). Anything that
 * is not an OAuthError is mapped here too: framework parse errors to invalid_request, an
 * unreachable store to 503, and a bug to a bare server_error (logged, never a stack trace out).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { OAuthError, temporarilyUnavailable, type OAuthErrorCode } from './errors.js';
import { isStoreUnavailable } from '../store/errors.js';
import { UnknownTenantError } from '../tenancy/resolve-tenant.js';
import { UnstorableText } from '../http/unstorable-text.js';
import { describeFrameworkError } from '../http/framework-errors.js';

/**
 * `badBody` is the code of a body that cannot be parsed or holds text the store cannot keep:
 * invalid_request, or RFC 7591 §3.2.2's invalid_client_metadata where the body is client metadata.
 */
export function toOAuthError(error: unknown, log: Logger, badBody: OAuthErrorCode = 'invalid_request'): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof UnstorableText) return new OAuthError(error.part === 'body' ? badBody : 'invalid_request', error.message);
  if (error instanceof UnknownTenantError) return new OAuthError('invalid_request', error.message, { status: 404 });
  if (isStoreUnavailable(error)) {
    log.warn({ err: error }, 'store unavailable');
    return temporarilyUnavailable();
  }
  const fastifyError = error as FastifyError;
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    // 400 is what the body parsers answer (malformed JSON, a forbidden __proto__ key, an empty JSON body).
    return new OAuthError(fastifyError.statusCode === 400 ? badBody : 'invalid_request', fastifyError.validation ? `malformed request: ${fastifyError.message}` : describeFrameworkError(fastifyError), { status: fastifyError.statusCode });
  }
  log.error({ err: error }, 'unexpected error');
  return new OAuthError('server_error', 'the server could not complete the request');
}

export function oauthErrorHandler(log: Logger, badBody?: OAuthErrorCode) {
  return (error: unknown, _request: FastifyRequest, reply: FastifyReply) => {
    const oauthError = toOAuthError(error, log, badBody);
    reply.code(oauthError.status).headers({ 'cache-control': 'no-store', pragma: 'no-cache', ...oauthError.headers }).send(oauthError.toJSON());
  };
}
