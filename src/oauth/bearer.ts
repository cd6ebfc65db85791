/**
 * RFC 6750 §2.1: access tokens arrive in the Authorization header only. The `OAuth` scheme of
 * GAM (seed 001) is accepted where the tenant turned on compat.oauth_scheme. Tokens in the query
 * string are refused outright (RFC 9700 §4.3.2: no tokens in URLs).
 */
import type { FastifyRequest } from 'fastify';
import { bearerError } from './errors.js';
import { repeatsAuthorization } from '../http/authorization-header.js';

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The access token of an Authorization header: `undefined` for none, including another scheme
 * (Basic, or OAuth where it is not accepted), which RFC 6750 §3.1 treats as a request without a
 * token (401, bare challenge); `{ malformed }` for an accepted scheme without a well-formed token.
 */
export function parseAuthorization(header: string | undefined, allowOAuthScheme: boolean): string | { malformed: string } | undefined {
  if (!header) return undefined;
  const [scheme = '', ...rest] = header.trim().split(/ +/);
  if (!/^bearer$/i.test(scheme) && !(allowOAuthScheme && /^oauth$/i.test(scheme))) return undefined;
  const token = rest.length === 1 ? rest[0]! : '';
  return TOKEN68.test(token) ? token : { malformed: `the Authorization header must be "${scheme} <token>"` };
}

/** `allowBare`: GAM's userinfo (seed 004) sends the token with no scheme at all; only there, with compat.gam. */
export function bearerToken(request: FastifyRequest, realm: string, allowOAuthScheme: boolean, allowBare = false): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  if (query && 'access_token' in query) throw bearerError('invalid_request', 'access tokens must not be sent in the URL; use the Authorization header', realm);
  if (repeatsAuthorization(request.raw.rawHeaders)) throw bearerError('invalid_request', 'the request has more than one Authorization header', realm);
  const header = request.headers.authorization;
  if (allowBare && header && TOKEN68.test(header.trim())) return header.trim();
  const token = parseAuthorization(header, allowOAuthScheme);
  if (typeof token === 'object') throw bearerError('invalid_request', token.malformed, realm);
  return token;
}
