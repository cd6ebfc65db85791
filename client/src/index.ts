/**
 * @gatehouse/client: call OAuth 2.0-protected APIs with the token lifecycle handled.
 *
 *   const api = createFetch({ tokenUrl, clientId, clientSecret, grant: { type: 'client_credentials' } });
 *   const response = await api('https://api.example.com/orders');
 */
import type { RequestInit, Response } from 'undici';
import { OAuthClient, type FetchInput, type OAuthClientOptions } from './oauth-client.js';

export { OAuthClient, type OAuthClientOptions, type FetchInput } from './oauth-client.js';
export { TokenCache, cacheKey, type CacheKeyParts } from './token-cache.js';
export type { TokenSet } from './token-set.js';
export type { Grant } from './grants.js';
export type { ClientAuthMethod } from './token-request.js';
export type { TransportOptions } from './transport.js';
export type { ExchangeEvent, ExchangeListener } from './exchange-log.js';
export type { PendingLogin } from './authorization-code.js';
export { loopbackLogin, type LoopbackLoginOptions } from './loopback-login.js';
export { OAuthError, UnexpectedResponseError, RequestTimeoutError, TransportError, LoginRequiredError, ConfigurationError, type Target } from './errors.js';

export interface OAuthFetch {
  (input: FetchInput, init?: RequestInit): Promise<Response>;
  /** The client underneath, for getToken(), close() and sign-ins. */
  client: OAuthClient;
}

/** A fetch-compatible function whose requests carry a valid access token. */
export function createFetch(options: OAuthClientOptions): OAuthFetch {
  const client = new OAuthClient(options);
  return Object.assign((input: FetchInput, init?: RequestInit) => client.fetch(input, init), { client });
}
