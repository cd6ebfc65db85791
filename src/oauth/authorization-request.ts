/**
 * Validation of an authorization request (RFC 6749 §4.1.1, §4.2.1, RFC 7636, RFC 9700 §2.1).
 * Until the client and redirect URI are established, errors are shown to the user and never
 * redirected (§4.1.2.1: no open redirector); after that, they go back to the client.
 */
import type { Client } from '../domain/client.js';
import { isConfidential, isLoopbackHost } from '../domain/client.js';
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
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  prompt?: string;
}

/** An error that cannot be sent to the client: shown on a page instead. */
export class UnsafeRedirectError extends Error {}

/** An error to send back to the client's redirect URI. */
export class RedirectableError extends Error {
  constructor(
    readonly oauth: OAuthError,
    readonly request: Pick<AuthorizationRequest, 'redirectUri' | 'responseType' | 'state'>,
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
  return b.protocol === 'http:' && b.hostname === a.hostname && b.pathname === a.pathname && b.search === a.search && !presented.includes('#');
}

export async function parseAuthorizationRequest(params: Params, tenant: TenantContext, clients: ClientRegistry): Promise<{ client: Client; request: AuthorizationRequest }> {
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
  const fail = (error: OAuthError) => new RedirectableError(error, { redirectUri, responseType, state: params.state });
  // RFC 6749 §4.1.2.1: a missing parameter is invalid_request; an unknown value unsupported_response_type.
  if (params.response_type === undefined) throw fail(invalidRequest('response_type is required (code or token)'));
  if (params.response_type !== 'code' && params.response_type !== 'token') {
    throw fail(new OAuthError('unsupported_response_type', 'response_type must be code or token'));
  }
  if (params.request !== undefined || params.request_uri !== undefined) throw fail(new OAuthError('invalid_request', 'request objects are not supported'));
  const grant = responseType === 'code' ? 'authorization_code' : 'implicit';
  if (!tenant.tenant.settings.allowed_grants.includes(grant) || !client.grantTypes.includes(grant) || !client.responseTypes.includes(responseType)) {
    throw fail(new OAuthError('unauthorized_client', `this application may not use response_type ${responseType}`));
  }

  let scopes: string[];
  let codeChallenge: string | undefined;
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
    if (params.prompt !== undefined && !['none', 'login', 'consent'].includes(params.prompt)) throw invalidRequest('prompt must be none, login or consent');
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
      scopes,
      state: params.state,
      nonce: params.nonce,
      codeChallenge,
      prompt: params.prompt,
    },
  };
}

/**
 * The redirect back to the client: the code flow answers in the query, implicit in the fragment
 * (tokens never in a query string). `iss` lets the client detect mix-up attacks (RFC 9207).
 */
export function redirectTo(request: Pick<AuthorizationRequest, 'redirectUri' | 'responseType' | 'state'>, issuer: string, values: Record<string, string | number>): string {
  const url = new URL(request.redirectUri);
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) params.set(name, String(value));
  if (request.state !== undefined) params.set('state', request.state);
  params.set('iss', issuer);
  if (request.responseType === 'token') {
    url.hash = params.toString();
    return url.toString();
  }
  for (const [name, value] of params) url.searchParams.append(name, value);
  return url.toString();
}
