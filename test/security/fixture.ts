/**
 * The world every security test attacks: a real server on a real database with two scopes, two
 * users, a confidential web client (code, refresh, password), a public client (code + PKCE), and
 * the moves of an honest client (sign in, exchange, refresh, introspect) that attacks vary.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request, type JsonResponse } from '../helpers/oauth.js';
import { FormClient, signIn } from '../helpers/forms.js';
import { s256 } from '../../src/oauth/pkce.js';

export const REDIRECT = 'https://app.example/cb';
export const LOOPBACK_REDIRECT = 'http://127.0.0.1:7000/cb';
export const USERS = { alice: 'alice-password-1', bob: 'bob-password-12' } as const;
export type Username = keyof typeof USERS;

export const verifier = () => randomBytes(32).toString('base64url');

export interface Credentials {
  id: string;
  secret: string;
}

export interface SecurityWorld {
  server: TestServer;
  url: string;
  /** A default-tenant token with scope admin. */
  admin: string;
  web: Credentials;
  /** A public client: its secret is empty. */
  spa: Credentials;
  adminApi(path: string, init?: RequestInit): Promise<JsonResponse>;
  register(metadata: Record<string, unknown>): Promise<Credentials>;
  authorizeUrl(clientId: string, params?: Record<string, string>): string;
  /** The whole code flow through the login and consent forms: the code and its verifier. */
  getCode(client?: Credentials, extra?: Record<string, string>, user?: Username): Promise<{ code: string; verifier: string }>;
  exchange(code: string, codeVerifier: string | undefined, client?: Credentials, redirectUri?: string): Promise<JsonResponse>;
  refresh(token: string, client?: Credentials, extra?: Record<string, string>): Promise<JsonResponse>;
  /** The introspection answer, asked by the bootstrap admin client. */
  introspect(token: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Client authentication as the client would send it: Basic for confidential, client_id for public. */
function clientAuth(client: Credentials): { headers: Record<string, string>; params: Record<string, string> } {
  return client.secret ? { headers: { authorization: basic(client.id, client.secret) }, params: {} } : { headers: {}, params: { client_id: client.id } };
}

export async function securityWorld(databaseUrl: string, env: Record<string, string> = {}): Promise<SecurityWorld> {
  const server = await startServer(databaseUrl, env);
  const url = server.url;
  const admin = await clientCredentialsToken(url, ADMIN_ID, ADMIN_SECRET);
  const adminApi = (path: string, init?: RequestInit) => request(`${url}/admin/api/v1${path}`, init);

  async function register(metadata: Record<string, unknown>): Promise<Credentials> {
    const response = await request(`${url}/oauth/register`, json('POST', metadata, bearer(admin)));
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return { id: response.body.client_id, secret: response.body.client_secret ?? '' };
  }

  for (const scope of [
    { name: 'photos', description: 'See your photos', services: ['/photos/**'] },
    { name: 'orders', description: 'Manage your orders', services: ['/orders/**'] },
  ]) {
    assert.equal((await adminApi('/scopes', json('POST', scope, bearer(admin)))).status, 201);
  }
  for (const [username, password] of Object.entries(USERS)) {
    const created = await adminApi('/users', json('POST', { username, password, email: `${username}@example.com` }, bearer(admin)));
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
  const web = await register({
    client_name: 'PhotoPrint',
    redirect_uris: [REDIRECT, LOOPBACK_REDIRECT],
    grant_types: ['authorization_code', 'refresh_token', 'password'],
    scope: 'openid profile photos orders',
    refresh_token_limit: null,
  });
  const spa = await register({ client_name: 'SPA', token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], scope: 'photos', refresh_token_limit: null });

  function authorizeUrl(clientId: string, params: Record<string, string> = {}): string {
    const target = new URL(`${url}/oauth/authorize`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, state: 'st-1', ...params })) target.searchParams.set(k, v);
    return target.toString();
  }

  async function getCode(client = web, extra: Record<string, string> = {}, user: Username = 'alice') {
    const v = verifier();
    const redirect = await signIn(new FormClient(url), authorizeUrl(client.id, { code_challenge: s256(v), code_challenge_method: 'S256', ...extra }), { username: user, password: USERS[user] });
    const code = redirect.searchParams.get('code');
    assert.ok(code, `no code in ${redirect}`);
    return { code, verifier: v };
  }

  function exchange(code: string, codeVerifier: string | undefined, client = web, redirectUri = REDIRECT) {
    const auth = clientAuth(client);
    const params = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, ...auth.params, ...(codeVerifier ? { code_verifier: codeVerifier } : {}) };
    return request(`${url}/oauth/token`, form(params, auth.headers));
  }

  function refresh(token: string, client = web, extra: Record<string, string> = {}) {
    const auth = clientAuth(client);
    return request(`${url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: token, ...auth.params, ...extra }, auth.headers));
  }

  async function introspect(token: string) {
    return (await request(`${url}/oauth/introspect`, form({ token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }))).body;
  }

  return { server, url, admin, web, spa, adminApi, register, authorizeUrl, getCode, exchange, refresh, introspect, close: () => server.close() };
}
