/**
 * The authorization code grant with PKCE (RFC 7636, S256): the authorization URL to send the user
 * to, and the checks on the redirect that comes back (state, RFC 6749 §4.1.2.1 errors, RFC 9207
 * `iss` when the server sends one). Random values and the challenge come from oauth4webapi.
 */
import * as oauth from 'oauth4webapi';
import { OAuthError } from './errors.js';

export interface PendingLogin {
  /** Where to send the user's browser. */
  url: string;
  redirectUri: string;
  state: string;
  codeVerifier: string;
}

export async function startAuthorization(authorizationUrl: string, clientId: string, redirectUri: string, scope: string | undefined, extra: Record<string, string> = {}): Promise<PendingLogin> {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(authorizationUrl);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    ...(scope ? { scope } : {}),
    ...extra,
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return { url: url.toString(), redirectUri, state, codeVerifier };
}

/** The code from the redirect's query, after checking it answers this login and carries no error. */
export function codeFromRedirect(pending: PendingLogin, redirect: URL, expectedIssuer?: string): string {
  const params = redirect.searchParams;
  if (params.get('state') !== pending.state) throw new OAuthError('invalid_request', 'the redirect does not answer this login (state mismatch); start the login again', 0);
  const iss = params.get('iss');
  if (iss !== null && expectedIssuer !== undefined && iss !== expectedIssuer) throw new OAuthError('invalid_request', `the redirect came from issuer ${iss}, not ${expectedIssuer}`, 0);
  const error = params.get('error');
  if (error) throw new OAuthError(error, params.get('error_description') ?? undefined, 0, params.get('error_uri') ?? undefined);
  const code = params.get('code');
  if (!code) throw new OAuthError('invalid_request', 'the redirect carries neither a code nor an error', 0);
  return code;
}
