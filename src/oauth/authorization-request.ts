/**
 * Validation of an authorization request (RFC 6749 §4.1.1, §4.2.1, RFC 7636, RFC 9700 §2.1).
 * Until the client and redirect URI are established, errors are shown to the user and never
 * redirected (§4.1.2.1: no open redirector); after that, they go back to the client.
 */
import type { Client } from '../domain/client.js';
import { isConfidential, isLoopbackHost, isUriSyntax } from '../domain/client.js';
import type { TenantContext } from '../core/tenants.js';
import { effectiveRequirePkce, type ClientRegistry } from '../core/clients.js';
import { OAuthError, invalidRequest } from './errors.js';
import { parseChallenge } from './pkce.js';
import { grantedScopes } from './scopes.js';
import type { Params } from './params.js';

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  /** Whether redirect_uri was in the request: then the token request must repeat it (§4.1.3). */
  redirectUriGiven: boolean;
  responseType: 'code' | 'token';
  /** Where the answer goes; absent in requests stored before it was kept, which use the default. */
  responseMode?: ResponseMode;
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  /** OpenID Connect's space-separated prompt values, checked: none alone, or login, consent, select_account. */
  prompt?: string;
  /** OpenID Connect max_age: a sign-in older than this many seconds must be repeated. */
  maxAge?: number;
}

export type ResponseMode = 'query' | 'fragment';
type RedirectTarget = Pick<AuthorizationRequest, 'redirectUri' | 'responseType' | 'responseMode' | 'state'>;

const PROMPTS = ['none', 'login', 'consent', 'select_account'];

/** Whether the request carries this prompt value. */
export function hasPrompt(request: Pick<AuthorizationRequest, 'prompt'>, value: string): boolean {
  return request.prompt?.split(' ').includes(value) ?? false;
}

/**
 * Whether the user must sign in (again) whatever their session: prompt=login, or select_account,
 * which a single-account login page answers the same way.
 */
export function forcesSignIn(request: Pick<AuthorizationRequest, 'prompt'>): boolean {
  return hasPrompt(request, 'login') || hasPrompt(request, 'select_account');
}

/** The request once the user has signed in: its forced sign-in is done and must not be asked for again. */
export function signedInRequest(request: AuthorizationRequest): AuthorizationRequest {
  const rest = request.prompt?.split(' ').filter((value) => value !== 'login' && value !== 'select_account');
  return { ...request, prompt: rest && rest.length > 0 ? rest.join(' ') : undefined };
}

/** OAuth 2.0 Multiple Response Type Encoding Practices §2.1: code answers in the query, token in the fragment. */
function defaultResponseMode(responseType: AuthorizationRequest['responseType']): ResponseMode {
  return responseType === 'token' ? 'fragment' : 'query';
}

/** An error that cannot be sent to the client: shown on a page instead. */
export class UnsafeRedirectError extends Error {}

/** An error to send back to the client's redirect URI. */
export class RedirectableError extends Error {
  constructor(
    readonly oauth: OAuthError,
    readonly request: RedirectTarget,
  ) {
    super(oauth.message);
  }
}

/**
 * RFC 8252 §7.3: for loopback redirect URIs the port may differ, since native apps get an
 * ephemeral one; everything else must match exactly, character for character.
 */
export function redirectUriMatches(registered: string, presented: string): boolean {
  if (registered === presented) return true;
  let a: URL;
  let b: URL;
  try {
    a = new URL(registered);
    b = new URL(presented);
  } catch {
    return false;
  }
  if (a.protocol !== 'http:' || !isLoopbackHost(a.hostname) || a.hostname === 'localhost') return false;
  // URL parsing drops tabs and newlines and reads \ as /: the presented URI, which the redirect
  // repeats as given, must be plain RFC 3986 to count as the registered one.
  if (!isUriSyntax(presented)) return false;
  return b.protocol === 'http:' && b.hostname === a.hostname && b.pathname === a.pathname && b.search === a.search && !presented.includes('#');
}

/**
 * `repeated` names the parameters given more than once: an error to send back to the client once
 * client_id and redirect_uri are known (RFC 6749 §4.1.2.1), shown on a page while they are not.
 */
export async function parseAuthorizationRequest(params: Params, tenant: TenantContext, clients: ClientRegistry, repeated: string[] = []): Promise<{ client: Client; request: AuthorizationRequest }> {
  const unsafe = repeated.find((name) => name === 'client_id' || name === 'redirect_uri');
  if (unsafe) throw new UnsafeRedirectError(`parameter "${unsafe}" is included more than once`);
  const client = params.client_id ? await clients.get(tenant.tenant.id, params.client_id) : undefined;
  if (!client) throw new UnsafeRedirectError(params.client_id ? 'the application (client_id) is not known' : 'client_id is missing');
  if (!client.active) throw new UnsafeRedirectError('the application is deactivated');

  let redirectUri: string;
  if (params.redirect_uri !== undefined) {
    if (!client.redirectUris.some((registered) => redirectUriMatches(registered, params.redirect_uri!))) {
      throw new UnsafeRedirectError('redirect_uri is not registered for this application');
    }
    redirectUri = params.redirect_uri;
  } else {
    if (client.redirectUris.length !== 1) throw new UnsafeRedirectError('redirect_uri is required: the application has several');
    redirectUri = client.redirectUris[0]!;
  }

  const responseType = params.response_type === 'token' ? 'token' : 'code';
  let responseMode = defaultResponseMode(responseType);
  const fail = (error: OAuthError) => new RedirectableError(error, { redirectUri, responseType, responseMode, state: params.state });
  if (repeated.length > 0) throw fail(invalidRequest(`parameter "${repeated[0]}" is included more than once`));
  // RFC 6749 §4.1.2.1: a missing parameter is invalid_request; an unknown value unsupported_response_type.
  if (params.response_type === undefined) throw fail(invalidRequest('response_type is required (code or token)'));
  if (params.response_type !== 'code' && params.response_type !== 'token') {
    throw fail(new OAuthError('unsupported_response_type', 'response_type must be code or token'));
  }
  if (params.response_mode !== undefined) {
    if (params.response_mode !== 'query' && params.response_mode !== 'fragment') throw fail(invalidRequest('response_mode must be query or fragment'));
    // Tokens never go in a query string, where logs and Referer headers keep them.
    if (responseType === 'token' && params.response_mode === 'query') throw fail(invalidRequest('response_type token answers in the fragment only'));
    responseMode = params.response_mode;
  }
  // OpenID Connect Core §6: request objects are not supported, and say so in their own codes.
  if (params.request !== undefined) throw fail(new OAuthError('request_not_supported', 'request objects are not supported'));
  if (params.request_uri !== undefined) throw fail(new OAuthError('request_uri_not_supported', 'request_uri is not supported'));
  const grant = responseType === 'code' ? 'authorization_code' : 'implicit';
  if (!tenant.tenant.settings.allowed_grants.includes(grant) || !client.grantTypes.includes(grant) || !client.responseTypes.includes(responseType)) {
    throw fail(new OAuthError('unauthorized_client', `this application may not use response_type ${responseType}`));
  }

  let scopes: string[];
  let codeChallenge: string | undefined;
  let maxAge: number | undefined;
  try {
    scopes = grantedScopes(params.scope, client.scopes);
    if (responseType === 'code') {
      codeChallenge = parseChallenge(params.code_challenge, params.code_challenge_method);
      if (codeChallenge === undefined && (!isConfidential(client) || effectiveRequirePkce(client, tenant.tenant.settings))) {
        throw invalidRequest('code_challenge (PKCE, S256) is required');
      }
    } else if (params.code_challenge !== undefined) {
      throw invalidRequest('PKCE does not apply to response_type token');
    }
    if (params.nonce !== undefined && params.nonce.length > 512) throw invalidRequest('nonce is too long');
    if (params.state !== undefined && params.state.length > 2048) throw invalidRequest('state is too long');
    if (params.prompt !== undefined) checkPrompt(params.prompt);
    if (params.max_age !== undefined) {
      if (!/^\d{1,9}$/.test(params.max_age)) throw invalidRequest('max_age must be a whole number of seconds');
      maxAge = Number(params.max_age);
    }
  } catch (error) {
    if (error instanceof OAuthError) throw fail(error);
    throw error;
  }

  return {
    client,
    request: {
      clientId: client.clientId,
      redirectUri,
      redirectUriGiven: params.redirect_uri !== undefined,
      responseType,
      responseMode,
      scopes,
      state: params.state,
      nonce: params.nonce,
      codeChallenge,
      prompt: params.prompt,
      ...(maxAge !== undefined ? { maxAge } : {}),
    },
  };
}

/** OpenID Connect Core §3.1.2.1: a space-separated list; none may not be combined with another value. */
function checkPrompt(prompt: string): void {
  const values = prompt.split(' ');
  if (values.some((value) => !PROMPTS.includes(value))) throw invalidRequest(`prompt values must be among ${PROMPTS.join(', ')}, separated by single spaces`);
  if (values.includes('none') && values.length > 1) throw invalidRequest('prompt=none cannot be combined with other values');
}

/**
 * The redirect back to the client, in the query or the fragment as the request's response mode
 * says (tokens only ever in the fragment). The registered URI's own query is kept as written
 * (RFC 6749 §3.1.2). `iss` lets the client detect mix-up attacks (RFC 9207).
 */
export function redirectTo(request: RedirectTarget, issuer: string, values: Record<string, string | number>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) params.set(name, String(value));
  if (request.state !== undefined) params.set('state', request.state);
  params.set('iss', issuer);
  const uri = request.redirectUri;
  if ((request.responseMode ?? defaultResponseMode(request.responseType)) === 'fragment') return `${uri}#${params}`;
  return withQuery(uri, params);
}

/** A registered URI with parameters added to its query, which is kept as registered (RFC 6749 §3.1.2). */
export function withQuery(uri: string, params: URLSearchParams): string {
  const separator = !uri.includes('?') ? '?' : uri.endsWith('?') || uri.endsWith('&') ? '' : '&';
  return `${uri}${separator}${params}`;
}
