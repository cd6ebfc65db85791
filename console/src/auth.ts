/**
 * Signing in to the console: OAuth 2.0 authorization code with PKCE S256 (RFC 7636) as a public
 * client, and RFC 9207's `iss` checked on the way back. The access token lives in this module's
 * memory only: closing or reloading the tab forgets it, and nothing a script could read later
 * (localStorage, cookies) ever holds it. Only the one-time PKCE verifier and state cross the
 * redirect, in sessionStorage, and are removed as soon as the browser returns.
 */
import { decodeProtectedHeader } from 'jose';
import { config } from './config.js';

const PENDING_KEY = 'gatehouse-console.pending-sign-in';
const SCOPE = 'openid profile admin';

export interface Session {
  accessToken: string;
  /** Sent back at sign-out, so the authorization server ends its sign-in session without asking. */
  idToken?: string;
  expiresAt: number;
  username: string;
}

interface Pending {
  state: string;
  verifier: string;
  route: string;
}

let session: Session | undefined;

export const currentSession = (): Session | undefined => (session && session.expiresAt > Date.now() ? session : undefined);

/** What the sign-out redirect carries as its state: the console then says it signed out. */
export const SIGNED_OUT_STATE = 'signed-out';

/** Forgets the token in this tab only: for a token the server has refused already. */
export function forgetSession(): void {
  session = undefined;
}

/**
 * Signs out for real: revokes the console's access token (RFC 7009) and ends the authorization
 * server's sign-in session (OpenID Connect RP-Initiated Logout), which comes back here. Forgetting
 * the token alone would leave the sign-in session: the next Sign in would need no password.
 */
export async function signOut(): Promise<never> {
  const ended = session;
  session = undefined;
  if (ended) {
    await fetch(`${config.issuer}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ended.accessToken, client_id: config.clientId }),
    }).catch(() => undefined);
  }
  const url = new URL(`${config.issuer}/oauth/logout`);
  const params: Record<string, string> = { client_id: config.clientId, post_logout_redirect_uri: config.redirectUri, state: SIGNED_OUT_STATE };
  if (ended?.idToken) params.id_token_hint = ended.idToken;
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  location.assign(url.toString());
  return new Promise<never>(() => undefined);
}

/**
 * The signing key (`kid`) of the console's own access token, read from the JWT's header: the
 * Signing keys page warns that withdrawing this key ends the session.
 */
export function sessionKeyId(): string | undefined {
  const token = currentSession()?.accessToken;
  if (!token) return undefined;
  try {
    return decodeProtectedHeader(token).kid;
  } catch {
    return undefined;
  }
}

export class SignInError extends Error {}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const randomString = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** Leaves for the authorization server's login and consent pages; `route` is where to come back to. */
export async function signIn(route: string, forceLogin = false): Promise<never> {
  const pending: Pending = { state: randomString(), verifier: randomString(), route };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pending.verifier))));
  const url = new URL(`${config.issuer}/oauth/authorize`);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: SCOPE,
    state: pending.state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  if (forceLogin) params.prompt = 'login';
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  location.assign(url.toString());
  return new Promise<never>(() => undefined);
}

/**
 * If this page load is the authorization server sending the browser back, finishes signing in and
 * returns the route to show; otherwise returns undefined.
 */
export async function completeSignIn(): Promise<string | undefined> {
  const query = new URLSearchParams(location.search);
  if (!query.has('state')) return undefined;
  if (query.get('state') === SIGNED_OUT_STATE && !query.has('code')) {
    history.replaceState(null, '', location.pathname);
    throw new SignInError('You are signed out.');
  }
  const stored = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  // The code must not linger in the address bar or the history.
  history.replaceState(null, '', location.pathname);
  const pending = stored ? (JSON.parse(stored) as Pending) : undefined;
  if (!pending || pending.state !== query.get('state')) throw new SignInError('This sign-in response does not belong to a sign-in started here. Sign in again.');
  if (query.get('iss') !== config.issuer) throw new SignInError('The sign-in response came from another issuer.');
  const error = query.get('error');
  if (error) throw new SignInError(error === 'access_denied' ? 'Access was denied.' : `Sign-in failed: ${query.get('error_description') ?? error}`);
  const code = query.get('code');
  if (!code) throw new SignInError('The sign-in response carried no code.');

  const response = await fetch(`${config.issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: config.redirectUri, client_id: config.clientId, code_verifier: pending.verifier }),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; id_token?: string; expires_in?: number; scope?: string; error_description?: string };
  if (!response.ok || !body.access_token) throw new SignInError(`The token request failed: ${body.error_description ?? response.status}`);
  if (!(body.scope ?? '').split(' ').includes('admin')) {
    throw new SignInError('Signed in, but this account does not have the admin role, so it cannot administer Gatehouse. Ask an administrator to add the role.');
  }
  const accessToken = body.access_token;
  const info = await fetch(`${config.issuer}/oauth/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  const claims = info.ok ? ((await info.json()) as { preferred_username?: string; name?: string; sub?: string }) : {};
  session = { accessToken, ...(body.id_token ? { idToken: body.id_token } : {}), expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000, username: claims.preferred_username ?? claims.name ?? claims.sub ?? 'administrator' };
  return pending.route;
}
