// Setting up a running Gatehouse for a benchmark through its admin API (users,
// clients, scopes, gateway services) with the bootstrap admin client, and
// obtaining tokens beforehand.
import { clientCredentialsRequest, requestToken, tokenRequest, type ClientCredentials, type TokenResponse } from './oauth.js';

export interface BenchUser {
  username: string;
  password: string;
}

export class GatehouseAdmin {
  private constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** Signs in as the bootstrap admin client (client_credentials, scope admin). */
  static async connect(baseUrl: string, admin: ClientCredentials): Promise<GatehouseAdmin> {
    const token = await requestToken(clientCredentialsRequest(`${baseUrl}/oauth/token`, admin));
    return new GatehouseAdmin(baseUrl, token.access_token);
  }

  /** POST /users; `password` may be omitted (a user who signs in only with API keys). */
  async createUser(user: { username: string } & Record<string, unknown>): Promise<string> {
    const body = await this.call('POST', '/users', user, 201);
    return String(body.id);
  }

  /** Registers a client (same metadata as RFC 7591 registration); returns its credentials. */
  async createClient(metadata: Record<string, unknown>): Promise<ClientCredentials> {
    const body = await this.call('POST', '/clients', metadata, 201);
    if (typeof body.client_id !== 'string' || typeof body.client_secret !== 'string') throw new Error(`client created without credentials: ${JSON.stringify(body)}`);
    return { clientId: body.client_id, clientSecret: body.client_secret };
  }

  /** POST /scopes: `services` are the gateway patterns the scope opens (INTERFACE.md "Gateway"). */
  async createScope(scope: { name: string; description: string; services: string[] }): Promise<void> {
    await this.call('POST', '/scopes', scope, 201);
  }

  /** POST /services: publishes `upstream` behind the gateway under `path_prefix`. */
  async createService(service: { name: string; path_prefix: string; upstream: string }): Promise<void> {
    await this.call('POST', '/services', service, 201);
  }

  /** POST /tenants (default tenant's admins): the new tenant's issuer and its admin client, shown once. */
  async createTenant(id: string): Promise<{ issuer: string; admin: ClientCredentials }> {
    const body = await this.call('POST', '/tenants', { id, name: id }, 201);
    return { issuer: String(body.issuer), admin: { clientId: String(body.admin_client_id), clientSecret: String(body.admin_client_secret) } };
  }

  /** POST /users/{id}/api-keys: a key of this user for the client (shown once). */
  async createApiKey(userId: string, clientId: string): Promise<string> {
    const body = await this.call('POST', `/users/${encodeURIComponent(userId)}/api-keys`, { client_id: clientId }, 201);
    return String(body.api_key);
  }

  private async call(method: string, path: string, body: unknown, expected: number): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.baseUrl}/admin/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status !== expected) throw new Error(`${method} /admin/api/v1${path}: expected ${expected}, got ${response.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as Record<string, unknown>;
  }
}

/**
 * `count` refresh tokens from the password grant, `concurrency` requests at a time, going round
 * the users: each its own grant family, as if that many sign-ins had happened.
 */
export async function refreshTokensByPassword(
  tokenUrl: string,
  client: ClientCredentials,
  users: readonly BenchUser[],
  scope: string,
  count: number,
  concurrency: number,
): Promise<string[]> {
  const tokens: string[] = [];
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < count) {
      const user = users[issued++ % users.length]!;
      const response: TokenResponse = await requestToken(tokenRequest(tokenUrl, client, { grant_type: 'password', username: user.username, password: user.password, scope }));
      if (!response.refresh_token) throw new Error(`password grant without a refresh token: ${JSON.stringify(response)}`);
      tokens.push(response.refresh_token);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return tokens;
}
