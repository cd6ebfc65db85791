/**
 * The client object: where tokens come from (issuer discovery or an explicit token URL, a grant,
 * client authentication), when they are renewed (a margin before expiry, after a 401
 * invalid_token, one renewal at a time per cache key), and a fetch that puts them on API requests.
 */
import { Request, type RequestInit, type Response } from 'undici';
import { challengeErrors } from './challenge.js';
import { codeFromRedirect, startAuthorization, type PendingLogin } from './authorization-code.js';
import { discover, type Endpoints } from './discovery.js';
import { credentialsFingerprint } from './credentials.js';
import { ConfigurationError, LoginRequiredError, OAuthError } from './errors.js';
import { maskHeaders, type ExchangeListener } from './exchange-log.js';
import { grantParameters, grantSubject, type Grant } from './grants.js';
import { cacheKey, TokenCache } from './token-cache.js';
import { requestToken, type ClientAuthMethod, type TokenRequestContext } from './token-request.js';
import { isUsable, type TokenSet } from './token-set.js';
import { Transport, type TransportOptions } from './transport.js';

export interface OAuthClientOptions {
  /** The issuer, whose metadata names the endpoints. Give this or tokenUrl. */
  issuer?: string;
  /** The token endpoint, when there is no discovery (Gen's Call REST asks for just this). */
  tokenUrl?: string;
  /** The authorization endpoint, for sign-ins without discovery. */
  authorizationUrl?: string;
  clientId: string;
  clientSecret?: string;
  /** Default: client_secret_basic with a secret, none without. */
  clientAuth?: ClientAuthMethod;
  grant: Grant;
  /** Space-separated; omitted = whatever the server grants by default. */
  scope?: string;
  /** Added to the grant's own token request (e.g. `resource`, GAM's `additional_parameters`). */
  extraTokenParams?: Record<string, string>;
  /** `OAuth` for GAM resource servers (seed 001). Default `Bearer`. */
  authorizationScheme?: 'Bearer' | 'OAuth';
  /** Sent to both the token endpoint and the API, e.g. `{ 'GENEXUS-AGENT': 'SmartDevice Application' }`. */
  headers?: Record<string, string>;
  /** `json` sends token requests as application/json (webMethods API Gateway, seed 002). Default `form`. */
  tokenRequestBody?: 'form' | 'json';
  /** Renew this long before `exp` (capped at half the token's lifetime). Default 30. */
  refreshMarginSeconds?: number;
  /** Lifetime assumed for a token answered without `expires_in`; unset = used until the API refuses it. */
  assumedLifetimeSeconds?: number;
  /** Renew and retry once when the API answers 401 invalid_token. Default true. */
  retryOn401?: boolean;
  /** Settings of each side, kept apart. */
  transport?: { token?: TransportOptions; api?: TransportOptions };
  /** Share one between clients to share their tokens. Default: one per client. */
  cache?: TokenCache;
  /** Told about every exchange, with secrets masked (the CLI's --verbose). */
  onExchange?: ExchangeListener;
}

/** Also a Request of another fetch implementation, such as Node's global one. */
export type FetchInput = string | URL | Request | globalThis.Request;

export class OAuthClient {
  private readonly tokenTransport: Transport;
  private readonly apiTransport: Transport;
  private readonly cache: TokenCache;
  private endpointsPromise?: Promise<Endpoints>;
  /** Computed once: it costs a deliberately slow hash. */
  private credentialsPromise?: Promise<string>;

  constructor(private readonly options: OAuthClientOptions) {
    if (!options.issuer && !options.tokenUrl) throw new ConfigurationError('configure either issuer (for discovery) or tokenUrl');
    if (!options.clientId) throw new ConfigurationError('clientId is required');
    const auth = options.clientAuth ?? (options.clientSecret ? 'client_secret_basic' : 'none');
    if (auth !== 'none' && !options.clientSecret) throw new ConfigurationError(`clientAuth ${auth} needs clientSecret`);
    this.tokenTransport = new Transport('token endpoint', options.transport?.token);
    this.apiTransport = new Transport('API', options.transport?.api);
    this.cache = options.cache ?? new TokenCache();
  }

  /** The token and authorization endpoints, discovered once. */
  endpoints(): Promise<Endpoints> {
    this.endpointsPromise ??= (async () => {
      const discovered = this.options.issuer && (!this.options.tokenUrl || (this.options.grant.type === 'authorization_code' && !this.options.authorizationUrl))
        ? await discover(this.options.issuer, this.tokenTransport, this.options.onExchange)
        : undefined;
      const tokenUrl = this.options.tokenUrl ?? discovered!.tokenUrl;
      const authorizationUrl = this.options.authorizationUrl ?? discovered?.authorizationUrl;
      return { tokenUrl, ...(authorizationUrl ? { authorizationUrl } : {}) };
    })();
    this.endpointsPromise.catch(() => (this.endpointsPromise = undefined));
    return this.endpointsPromise;
  }

  /** The key of this client's tokens in the cache. */
  async cacheKey(): Promise<string> {
    const { tokenUrl } = await this.endpoints();
    const { clientId, clientSecret, grant } = this.options;
    const credentials = await (this.credentialsPromise ??= credentialsFingerprint(clientId, clientSecret, grant));
    return cacheKey({ tokenUrl, clientId, scope: this.options.scope ?? '', subject: grantSubject(grant), credentials });
  }

  /** A usable token set: cached, renewed, or first obtained, with one token request per key at a time. */
  async getToken(): Promise<TokenSet> {
    const key = await this.cacheKey();
    const margin = (this.options.refreshMarginSeconds ?? 30) * 1000;
    return this.cache.obtain(key, (set) => isUsable(set, Date.now(), margin), (current) => this.renew(current));
  }

  /** The cached token set as is (for persisting it), without renewing. */
  async snapshot(): Promise<TokenSet | undefined> {
    return this.cache.get(await this.cacheKey());
  }

  /** Puts a saved token set back (e.g. the CLI's token file). */
  async restore(set: TokenSet): Promise<void> {
    this.cache.set(await this.cacheKey(), set);
  }

  /** Forgets this client's tokens. */
  async forget(): Promise<void> {
    this.cache.delete(await this.cacheKey());
  }

  /**
   * fetch, with the access token in Authorization. A 401 whose challenge does not name an error
   * other than invalid_token renews the token and retries once; the second answer is returned
   * whatever it is. The retry needs the body again, so it is held in memory until the first
   * answer (retryOn401: false for uploads too large for that).
   */
  async fetch(input: FetchInput, init?: RequestInit): Promise<Response> {
    const request = toRequest(input, init);
    const spare = this.options.retryOn401 === false ? undefined : request.clone();
    const first = await this.send(request);
    if (!spare || first.response.status !== 401 || !(await tokenRefused(first.response))) {
      await spare?.body?.cancel();
      return first.response;
    }
    await first.response.body?.cancel();
    this.cache.reject(await this.cacheKey(), first.accessToken);
    return (await this.send(spare)).response;
  }

  /** Step one of a sign-in: the URL to open, and what finishLogin needs to check the answer. */
  async startLogin(redirectUri: string, extraParams: Record<string, string> = {}): Promise<PendingLogin> {
    const { authorizationUrl } = await this.endpoints();
    if (!authorizationUrl) throw new ConfigurationError('no authorization endpoint: configure issuer (with discovery) or authorizationUrl');
    return startAuthorization(authorizationUrl, this.options.clientId, redirectUri, this.options.scope, extraParams);
  }

  /** Step two: exchanges the code on the redirect for tokens, which become this client's. */
  async finishLogin(pending: PendingLogin, redirect: URL): Promise<TokenSet> {
    const code = codeFromRedirect(pending, redirect, this.options.issuer);
    const set = await requestToken(await this.tokenContext(), { grant_type: 'authorization_code', code, redirect_uri: pending.redirectUri, code_verifier: pending.codeVerifier });
    await this.restore(set);
    return set;
  }

  async close(): Promise<void> {
    await Promise.all([this.tokenTransport.close(), this.apiTransport.close()]);
  }

  private async send(request: Request): Promise<{ response: Response; accessToken: string }> {
    const { accessToken } = await this.getToken();
    for (const [name, value] of Object.entries({ ...this.options.headers, ...this.apiTransport.headers })) {
      if (!request.headers.has(name)) request.headers.set(name, value);
    }
    request.headers.set('authorization', `${this.options.authorizationScheme ?? 'Bearer'} ${accessToken}`);
    const listener = this.options.onExchange;
    listener?.({ direction: 'request', target: 'API', method: request.method, url: request.url, headers: maskHeaders(request.headers) });
    const response = await this.apiTransport.send(request);
    listener?.({ direction: 'response', target: 'API', url: request.url, status: response.status, headers: maskHeaders(response.headers) });
    return { response, accessToken };
  }

  private async tokenContext(): Promise<TokenRequestContext> {
    const { tokenUrl } = await this.endpoints();
    const o = this.options;
    return {
      tokenUrl,
      clientId: o.clientId,
      ...(o.clientSecret !== undefined ? { clientSecret: o.clientSecret } : {}),
      clientAuth: o.clientAuth ?? (o.clientSecret ? 'client_secret_basic' : 'none'),
      body: o.tokenRequestBody ?? 'form',
      headers: o.headers ?? {},
      transport: this.tokenTransport,
      ...(o.assumedLifetimeSeconds !== undefined ? { assumedLifetimeSeconds: o.assumedLifetimeSeconds } : {}),
      ...(o.onExchange ? { onExchange: o.onExchange } : {}),
    };
  }

  /**
   * A new token set: by the refresh token when there is one (keeping it when the server does not
   * send a successor), else by the grant itself when it can run unattended; otherwise the user
   * must sign in.
   */
  private async renew(current: TokenSet | undefined): Promise<TokenSet> {
    const context = await this.tokenContext();
    const grant = this.options.grant;
    if (current?.refreshToken) {
      try {
        const set = await requestToken(context, { grant_type: 'refresh_token', refresh_token: current.refreshToken });
        return set.refreshToken ? set : { ...set, refreshToken: current.refreshToken };
      } catch (error) {
        // A refused refresh token is no dead end for a grant that can simply run again.
        const refused = error instanceof OAuthError && error.error === 'invalid_grant';
        if (!refused) throw error;
        if (grant.type === 'authorization_code' || grant.type === 'refresh_token') throw new LoginRequiredError(`the refresh token was refused (${error.message})`, error);
      }
    } else if (current && grant.type === 'refresh_token') {
      throw new LoginRequiredError('the access token expired and no refresh token is left');
    }
    const params = grantParameters(grant, this.options.scope);
    if (!params) throw new LoginRequiredError(current ? 'the access token expired and no refresh token is left' : 'there is no token for this client yet');
    return requestToken(context, { ...params, ...this.options.extraTokenParams });
  }
}

function toRequest(input: FetchInput, init: RequestInit | undefined): Request {
  if (typeof input === 'string' || input instanceof URL) return new Request(input.toString(), init);
  if (input instanceof Request) return new Request(input, init);
  // undici only copies its own Request objects; Node's global fetch runs a different undici copy.
  const copy = new Request(input.url, {
    method: input.method,
    headers: [...input.headers],
    redirect: input.redirect,
    signal: input.signal,
    ...(input.body ? { body: input.body as ReadableStream<Uint8Array>, duplex: 'half' as const } : {}),
  });
  return init ? new Request(copy, init) : copy;
}

/** RFC 6750 §3.1: only invalid_token (or a challenge naming no error) means "renew the token"; other errors would fail again. */
async function tokenRefused(response: Response): Promise<boolean> {
  const errors = await challengeErrors(response.headers.get('www-authenticate'));
  return errors.length === 0 || errors.includes('invalid_token');
}
