// OAuth request shapes shared by every token benchmark, so each target is
// driven with byte-for-byte the same kind of request.
import { randomBytes } from 'node:crypto';

import type { DynamicBody, LoadRequest } from './load.js';

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
  refresh_token?: string;
  id_token?: string;
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

/** A token request with Basic client authentication and a form body of `params`. */
export function tokenRequest(tokenUrl: string, credentials: ClientCredentials, params: Record<string, string>): LoadRequest {
  return {
    url: tokenUrl,
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      authorization: basicAuthorization(credentials),
    },
    body: new URLSearchParams(params).toString(),
  };
}

export function clientCredentialsRequest(tokenUrl: string, credentials: ClientCredentials): LoadRequest {
  return tokenRequest(tokenUrl, credentials, { grant_type: 'client_credentials' });
}

/** RFC 7009 revocation of an access token by the client it was issued to: same authentication and body shape as a token request. */
export function revocationRequest(revocationUrl: string, credentials: ClientCredentials, accessToken: string): LoadRequest {
  return tokenRequest(revocationUrl, credentials, { token: accessToken, token_type_hint: 'access_token' });
}

/**
 * Refresh tokens that each work once (rotation): taken one per request, and every successful
 * refresh puts its successor back at the end of the queue. So every request presents a token
 * never presented before, for as long as the load runs, starting from a pool obtained
 * beforehand; only requests still in flight when a run stops take their successor with them.
 */
export class SingleUseTokenPool {
  private readonly queue: string[];
  private head = 0;
  /** Requests sent with no token left to give (they fail, and are counted as non-2xx). */
  starved = 0;
  /** Successful responses that carried no successor (the refresh count ran out). */
  noSuccessor = 0;
  /** Failed responses by status and OAuth error (e.g. "400 invalid_grant: refresh token not found"). */
  readonly failures = new Map<string, number>();

  constructor(tokens: readonly string[]) {
    this.queue = [...tokens];
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  take(): string | undefined {
    if (this.head >= this.queue.length) return undefined;
    const token = this.queue[this.head++];
    // Compact now and then so the array does not grow without bound.
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return token;
  }

  give(token: string): void {
    this.queue.push(token);
  }

  private recordFailure(status: number, body: string): void {
    let what = body.slice(0, 80);
    try {
      const parsed = JSON.parse(body) as { error?: unknown; error_description?: unknown };
      what = `${String(parsed.error)}${parsed.error_description ? `: ${String(parsed.error_description)}` : ''}`;
    } catch {
      // not JSON: keep the start of the body
    }
    const key = `${status} ${what}`;
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
  }

  /** Request bodies for `runLoad`'s dynamicBody: a fresh refresh token each, successors recycled. */
  refreshBodies(extra: Record<string, string> = {}): DynamicBody {
    return {
      next: () => {
        const token = this.take();
        if (token === undefined) this.starved++;
        return new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token ?? 'pool-exhausted', ...extra }).toString();
      },
      onResponse: (status, body) => {
        if (status !== 200) {
          this.recordFailure(status, body);
          return;
        }
        const successor = (JSON.parse(body) as Partial<TokenResponse>).refresh_token;
        if (typeof successor === 'string' && successor !== '') this.give(successor);
        else this.noSuccessor++;
      },
    };
  }
}

/** Password grant bodies, going round the given users. */
export function passwordBodies(users: readonly { username: string; password: string }[], scope: string): DynamicBody {
  if (users.length === 0) throw new Error('passwordBodies: no users');
  const bodies = users.map((user) => new URLSearchParams({ grant_type: 'password', username: user.username, password: user.password, scope }).toString());
  let next = 0;
  return { next: () => bodies[next++ % bodies.length] ?? '' };
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
