/**
 * One request to the token endpoint: client authentication (RFC 6749 §2.3.1), the body as a form
 * or, for servers that want it (webMethods, seed 002), as JSON; the answer as a TokenSet or an
 * OAuthError carrying the RFC 6749 §5.2 fields and the HTTP status.
 */
import { OAuthError, UnexpectedResponseError } from './errors.js';
import { maskBody, maskFields, maskHeaders, parseJson, type ExchangeListener } from './exchange-log.js';
import { tokenSetFromResponse, type TokenSet } from './token-set.js';
import type { Transport } from './transport.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface TokenRequestContext {
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  clientAuth: ClientAuthMethod;
  body: 'form' | 'json';
  /** Headers for both sides (e.g. GENEXUS-AGENT); the transport's own come on top. */
  headers: Record<string, string>;
  transport: Transport;
  assumedLifetimeSeconds?: number;
  onExchange?: ExchangeListener;
}

/** RFC 6749 §2.3.1: the id and secret are form-encoded before they are joined and base64-encoded. */
function basicCredentials(id: string, secret: string): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

export async function requestToken(context: TokenRequestContext, grantParams: Record<string, string>): Promise<TokenSet> {
  const fields: Record<string, string> = { ...grantParams };
  const headers: Record<string, string> = { accept: 'application/json', ...context.headers, ...context.transport.headers };
  if (context.clientAuth === 'client_secret_basic') headers.authorization = basicCredentials(context.clientId, context.clientSecret ?? '');
  else {
    fields.client_id = context.clientId;
    if (context.clientAuth === 'client_secret_post') fields.client_secret = context.clientSecret ?? '';
  }
  let body: string;
  if (context.body === 'json') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(fields);
  } else {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(fields).toString();
  }
  context.onExchange?.({ direction: 'request', target: 'token endpoint', method: 'POST', url: context.tokenUrl, headers: maskHeaders(Object.entries(headers)), fields: maskFields(fields) });

  const response = await context.transport.send(context.tokenUrl, { method: 'POST', headers, body, redirect: 'error' });
  const text = await response.text();
  const receivedAt = Date.now();
  const parsed = parseJson(text);
  const json = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  context.onExchange?.({ direction: 'response', target: 'token endpoint', url: context.tokenUrl, status: response.status, headers: maskHeaders(response.headers), ...(json ? { fields: maskFields(json) } : {}) });

  if (json && typeof json.error === 'string') {
    throw new OAuthError(json.error, typeof json.error_description === 'string' ? json.error_description : undefined, response.status, typeof json.error_uri === 'string' ? json.error_uri : undefined);
  }
  // Such an answer may still carry tokens (a 201 with a token, a field named accessToken): quoted masked.
  const excerpt = () => maskBody(text).slice(0, 300);
  if (response.status !== 200) throw new UnexpectedResponseError('token endpoint', response.status, excerpt(), 'an error that is not RFC 6749 JSON');
  if (!json || typeof json.access_token !== 'string' || json.access_token === '') {
    throw new UnexpectedResponseError('token endpoint', response.status, excerpt(), 'no access_token in the body');
  }
  return tokenSetFromResponse(json, receivedAt, context.assumedLifetimeSeconds);
}
