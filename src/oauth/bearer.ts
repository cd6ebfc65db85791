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
  const match = /^(Bearer|OAuth) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header.trim());
  if (!match) throw bearerError('invalid_request', 'the Authorization header must be "Bearer <token>"', realm);
  if (match[1]!.toLowerCase() === 'oauth' && !allowOAuthScheme) throw bearerError('invalid_request', 'the OAuth authorization scheme is not enabled for this tenant (compat.oauth_scheme)', realm);
  return match[2];
}
