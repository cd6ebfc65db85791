/**
 * RFC 6750 §2.1: access tokens arrive in the Authorization header only. The `OAuth` scheme of
 * GAM (seed 001) is accepted where the tenant turned on compat.oauth_scheme. Tokens in the query
 * string are refused outright (RFC 9700 §4.3.2: no tokens in URLs).
 */
import type { FastifyRequest } from 'fastify';
import { bearerError } from './errors.js';

/** `allowBare`: GAM's userinfo (seed 004) sends the token with no scheme at all; only there, with compat.gam. */
export function bearerToken(request: FastifyRequest, realm: string, allowOAuthScheme: boolean, allowBare = false): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  if (query && 'access_token' in query) throw bearerError('invalid_request', 'access tokens must not be sent in the URL; use the Authorization header', realm);
  const header = request.headers.authorization;
  if (!header) return undefined;
  if (allowBare && /^[A-Za-z0-9\-._~+/]+=*$/.test(header.trim())) return header.trim();
  const [scheme = '', ...rest] = header.trim().split(/ +/);
  // RFC 6750 §3.1: another scheme (Basic, or OAuth where the tenant has not enabled it) is a
  // request without a token: the caller answers 401 with a bare challenge.
  if (!/^bearer$/i.test(scheme) && !(allowOAuthScheme && /^oauth$/i.test(scheme))) return undefined;
  const token = rest.length === 1 ? rest[0]! : '';
  if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) throw bearerError('invalid_request', `the Authorization header must be "${scheme} <token>"`, realm);
  return token;
}
