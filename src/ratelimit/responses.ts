/**
 * How a refusal is answered, in each endpoint's own format: RFC 6749 §5.2 JSON at the token and
 * introspection endpoints (`temporarily_unavailable`, the registered OAuth error code for a
 * server that cannot handle the request now, with status 429), an HTML page at authorize and login.
 * Both carry `Retry-After` in seconds (RFC 9110 §10.2.3).
 */
import { OAuthError } from '../oauth/errors.js';

export function tooManyRequests(retryAfterS: number, what: string): OAuthError {
  return new OAuthError('temporarily_unavailable', `too many requests ${what}; retry after ${retryAfterS} s`, { status: 429, headers: { 'retry-after': String(retryAfterS) } });
}

/** Thrown by the sign-in pages; their error handler renders it as a 429 page. */
export class RateLimitedPage extends Error {
  constructor(readonly retryAfterS: number) {
    super(`Too many attempts. Try again in ${retryAfterS} seconds.`);
    this.name = 'RateLimitedPage';
  }
}
