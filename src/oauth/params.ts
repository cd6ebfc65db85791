/**
 * Request parameters of the OAuth endpoints as single strings. RFC 6749 §3.1/§3.2: parameters
 * must not be included more than once, and values must be strings; both are invalid_request.
 */
import type { FastifyRequest } from 'fastify';
import { invalidRequest } from './errors.js';

export type Params = Record<string, string>;

/** Parameters that carry credentials and therefore never belong in a URL (RFC 6749 §2.3.1, RFC 9700 §4.3.2). */
export const CREDENTIAL_PARAMS = ['client_secret', 'password', 'refresh_token', 'code', 'code_verifier', 'api_key', 'client_assertion', 'assertion', 'subject_token', 'token'];

export function singleValued(source: unknown, where: string): Params {
  if (source === undefined || source === null) return {};
  if (typeof source !== 'object' || Array.isArray(source)) throw invalidRequest(`the ${where} must be a set of name=value parameters`);
  const params: Params = Object.create(null);
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    if (Array.isArray(value)) throw invalidRequest(`parameter "${name}" is included more than once`);
    if (typeof value !== 'string') throw invalidRequest(`parameter "${name}" must be a string`);
    if (value.includes('\u0000')) throw invalidRequest(`parameter "${name}" contains a NUL character`);
    if (value !== '') params[name] = value;
  }
  return params;
}

export function refuseCredentialsInQuery(query: Params): void {
  const found = CREDENTIAL_PARAMS.filter((name) => name in query);
  if (found.length > 0) throw invalidRequest(`credentials must not be sent in the URL query (${found.join(', ')}); send them in the request body`);
}

/**
 * The form body of an OAuth endpoint (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1: form-encoded).
 * A JSON body is accepted only where the tenant turned on compat.json_token_body.
 */
export function formBody(request: FastifyRequest, allowJson: boolean): Params {
  if (/^application\/json\b/i.test(request.headers['content-type'] ?? '') && !allowJson) {
    throw invalidRequest('the request body must be application/x-www-form-urlencoded (JSON bodies need compat.json_token_body)');
  }
  return singleValued(request.body ?? {}, 'request body');
}
