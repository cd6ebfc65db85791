/**
 * The endpoints of an issuer from its metadata (OpenID Connect Discovery, then RFC 8414), fetched
 * and checked (the document's `issuer` must be the configured one) by oauth4webapi.
 *
 * A server that answers without usable metadata is a configuration mistake (ConfigurationError);
 * one that does not answer at all is an outage like any other on the token side (TransportError,
 * RequestTimeoutError), so that callers retrying on those also retry this.
 */
import * as oauth from 'oauth4webapi';
import type { Transport } from './transport.js';
import { ConfigurationError, RequestTimeoutError, TransportError } from './errors.js';
import { maskHeaders, type ExchangeListener } from './exchange-log.js';

export interface Endpoints {
  tokenUrl: string;
  authorizationUrl?: string;
}

export async function discover(issuer: string, transport: Transport, onExchange?: ExchangeListener): Promise<Endpoints> {
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    throw new ConfigurationError(`the issuer must be an absolute URL, like https://auth.example.com (got "${issuer}")`);
  }
  const customFetch = async (url: string, init: oauth.CustomFetchOptions<'GET', undefined>) => {
    onExchange?.({ direction: 'request', target: 'discovery', method: 'GET', url, headers: maskHeaders(Object.entries(init.headers)) });
    const response = await transport.send(url, { method: init.method, headers: init.headers, redirect: init.redirect }, "the issuer's metadata");
    onExchange?.({ direction: 'response', target: 'discovery', url, status: response.status, headers: maskHeaders(response.headers) });
    return response as unknown as Response;
  };
  const options = { [oauth.customFetch]: customFetch, [oauth.allowInsecureRequests]: issuerUrl.protocol === 'http:' };
  let metadata: oauth.AuthorizationServer | undefined;
  let lastError: unknown;
  for (const algorithm of ['oidc', 'oauth2'] as const) {
    try {
      metadata = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { ...options, algorithm }));
      break;
    } catch (error) {
      // The second location is on the same server: asking it too would only double the wait.
      if (error instanceof TransportError || error instanceof RequestTimeoutError) throw error;
      lastError = error;
    }
  }
  if (!metadata) throw new ConfigurationError(`no usable metadata for the issuer ${issuer} (${lastError instanceof Error ? lastError.message : String(lastError)}); check the issuer URL, or configure tokenUrl instead`);
  if (!metadata.token_endpoint) throw new ConfigurationError(`the issuer ${issuer} advertises no token_endpoint; configure tokenUrl`);
  return { tokenUrl: metadata.token_endpoint, ...(metadata.authorization_endpoint ? { authorizationUrl: metadata.authorization_endpoint } : {}) };
}
