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
  return collect(source, where, (name) => {
    throw invalidRequest(`parameter "${name}" is included more than once`);
  });
}

/**
 * The first value of each parameter, and the names given more than once: for the authorization
 * endpoint, which reports those to the client once it knows where to (RFC 6749 §4.1.2.1).
 */
export function firstValues(source: unknown, where: string): { params: Params; repeated: string[] } {
  const repeated: string[] = [];
  const params = collect(source, where, (name) => repeated.push(name));
  return { params, repeated };
}

function collect(source: unknown, where: string, onRepeated: (name: string) => void): Params {
  if (source === undefined || source === null) return {};
  if (typeof source !== 'object' || Array.isArray(source)) throw invalidRequest(`the ${where} must be a set of name=value parameters`);
  const params: Params = Object.create(null);
  for (const [name, given] of Object.entries(source as Record<string, unknown>)) {
    let value = given;
    if (Array.isArray(value)) {
      onRepeated(name);
      value = value[0];
    }
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
  return singleValued(formSource(request, allowJson), 'request body');
}

/** The parsed body of an OAuth endpoint, refused when it is JSON where JSON is not allowed. */
export function formSource(request: FastifyRequest, allowJson: boolean): unknown {
  if (/^application\/json\b/i.test(request.headers['content-type'] ?? '') && !allowJson) {
    throw invalidRequest('the request body must be application/x-www-form-urlencoded (JSON bodies need compat.json_token_body)');
  }
  return request.body ?? {};
}
