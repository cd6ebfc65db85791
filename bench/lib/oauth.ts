// OAuth request shapes shared by every token benchmark, so each target is
// driven with byte-for-byte the same kind of request.
import { randomBytes } from 'node:crypto';

import type { LoadRequest } from './load.js';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** RFC 6749 §5.1 successful token response (only the members the benchmarks check). */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
}

/** A 256-bit random secret, base64url (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * HTTP Basic client authentication. RFC 6749 §2.3.1 requires the id and secret
 * to be form-urlencoded before base64, which matters for secrets containing
 * characters such as '+' or ':' (oidc-provider enforces it).
 */
export function basicAuthorization({ clientId, clientSecret }: ClientCredentials): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
}

export function clientCredentialsRequest(tokenUrl: string, credentials: ClientCredentials): LoadRequest {
  return {
    url: tokenUrl,
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      authorization: basicAuthorization(credentials),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
  };
}

/** Sends the request once and insists on a 200 with an RFC 6749 token response; the error says what came back instead. */
export async function requestToken(request: LoadRequest): Promise<TokenResponse> {
  const response = await fetch(request.url, {
    method: request.method ?? 'GET',
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const fail = (why: string): never => {
    throw new Error(`${request.method ?? 'GET'} ${request.url}: ${why}: HTTP ${response.status} ${text.slice(0, 500)}`);
  };
  if (response.status !== 200) fail('expected 200');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    fail('response is not JSON');
  }
  if (!isTokenResponse(body)) return fail('not a token response');
  if (body.token_type.toLowerCase() !== 'bearer') fail(`unexpected token_type ${body.token_type}`);
  return body;
}

function isTokenResponse(value: unknown): value is TokenResponse {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.access_token === 'string'
    && record.access_token.length > 0
    && typeof record.token_type === 'string';
}

/** Short human description of an access token: JWT header alg/typ, or "opaque". */
export function describeAccessToken(token: string): string {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] === undefined) return `opaque (${token.length} chars)`;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Record<string, unknown>;
    return `JWT alg=${String(header.alg)} typ=${String(header.typ)} (${token.length} chars)`;
  } catch {
    return `opaque (${token.length} chars)`;
  }
}
