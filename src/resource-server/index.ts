/**
 * The resource-server library: for services that protect themselves without the gateway. It
 * joins the Gatehouse store as an embedded, read-only node — the same token checks (signature,
 * `typ`, issuer, audience, expiry), the same in-memory revocation state fed by the same change
 * feed, and the same scope patterns as the gateway. Tenant settings come the same way: a PATCH of
 * `compat.oauth_scheme` reaches the library as it reaches the gateway, without a restart.
 *
 *   const rs = await ResourceServer.connect({ databaseUrl, secretKey, issuer });
 *   const { claims } = await rs.verifyRequest({ method, url, headers });
 */
import { loadConfig } from '../config.js';
import { createGatehouse, createLogger, type Gatehouse } from '../gatehouse.js';
import { DEFAULT_TENANT_ID } from '../domain/tenant.js';
import { TokenRejected, type AccessTokenClaims } from '../oauth/token-verifier.js';
import { parseAuthorization } from '../oauth/bearer.js';
import { normalisePath, UnsafePathError } from '../gateway/path.js';
import { repeatsAuthorization } from '../http/authorization-header.js';
import { ResourceServerError } from './errors.js';

export interface ResourceServerOptions {
  /** The Gatehouse store: the same GATEHOUSE_DATABASE_URL as the servers. */
  databaseUrl: string;
  /** The same GATEHOUSE_SECRET_KEY as the servers. */
  secretKey: string;
  /** GATEHOUSE_ISSUER of the servers. */
  issuer: string;
  /** The tenant whose tokens this service accepts (default: the default tenant). */
  tenant?: string;
  /**
   * Accept `Authorization: OAuth <token>` (GAM) as well as Bearer. Unset: as the tenant's
   * `compat.oauth_scheme` says now, like every other Gatehouse resource; true or false overrides it.
   */
  allowOAuthScheme?: boolean;
  /** Fail closed (503) when cut off from the change feed longer than this (default 5000 ms). */
  feedStaleMs?: number;
}

export interface RequestLike {
  method: string;
  /** Path and query, e.g. "/orders/42?x=1". */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** A Node request's rawHeaders (it has them): then a repeated Authorization header is refused, which `headers` no longer shows. */
  rawHeaders?: readonly string[];
}

export interface VerifiedRequest {
  claims: AccessTokenClaims;
  scopes: string[];
  /** The client the token was issued to, and its subject (a user id, or the client id). */
  clientId: string;
  subject: string;
}

const REALM = 'gatehouse';

function challenge(error?: string, description?: string, scope?: string): string {
  const parts = [`realm="${REALM}"`];
  if (error) parts.push(`error="${error}"`);
  if (description) parts.push(`error_description="${description.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '')}"`);
  if (scope) parts.push(`scope="${scope}"`);
  return `Bearer ${parts.join(', ')}`;
}

export class ResourceServer {
  private constructor(
    private readonly gh: Gatehouse,
    private readonly options: ResourceServerOptions,
  ) {}

  static async connect(options: ResourceServerOptions): Promise<ResourceServer> {
    const config = loadConfig({ GATEHOUSE_DATABASE_URL: options.databaseUrl, GATEHOUSE_SECRET_KEY: options.secretKey, GATEHOUSE_ISSUER: options.issuer, GATEHOUSE_DEMO: '0' });
    const gh = await createGatehouse(config, createLogger({ logLevel: 'warn' }), { embedded: true });
    return new ResourceServer(gh, options);
  }

  /**
   * Verifies the request's access token and that one of its scopes has a service pattern
   * matching the method and path. Resolves with the token's claims or rejects with a
   * ResourceServerError to send as is.
   */
  async verifyRequest(request: RequestLike): Promise<VerifiedRequest> {
    if (!this.gh.feed.healthy(this.options.feedStaleMs ?? 5000)) throw new ResourceServerError(503, undefined, 'cut off from the revocation feed; refusing to decide on stale state');
    const tenant = await this.gh.tenants.get(this.options.tenant ?? DEFAULT_TENANT_ID);
    if (!tenant) throw new ResourceServerError(503, undefined, 'the configured tenant does not exist');
    const header = request.headers.authorization;
    if (Array.isArray(header) || (request.rawHeaders && repeatsAuthorization(request.rawHeaders))) {
      throw new ResourceServerError(400, challenge('invalid_request', 'more than one Authorization header'), 'more than one Authorization header');
    }
    const token = parseAuthorization(header, this.options.allowOAuthScheme ?? tenant.tenant.settings.compat.oauth_scheme);
    if (token === undefined) throw new ResourceServerError(401, challenge(), 'an access token is required');
    if (typeof token === 'object') throw new ResourceServerError(400, challenge('invalid_request', token.malformed), 'malformed Authorization header');
    let verified;
    try {
      verified = await this.gh.tokenVerifier.verify(token, tenant);
    } catch (error) {
      if (error instanceof TokenRejected) throw new ResourceServerError(401, challenge('invalid_token', error.message), error.message);
      throw error;
    }
    let segments: string[];
    try {
      segments = normalisePath(request.url.split('?')[0] ?? '/').segments;
    } catch (error) {
      if (error instanceof UnsafePathError) throw new ResourceServerError(400, undefined, error.message);
      throw error;
    }
    const matcher = await this.gh.matchers.forTenant(tenant.tenant.id);
    const method = request.method.toUpperCase();
    if (!matcher.allows(method, segments, verified.scopes)) {
      const needed = [...matcher.scopesFor(method, segments)].join(' ');
      throw new ResourceServerError(403, challenge('insufficient_scope', 'the token does not cover this request', needed || undefined), 'insufficient scope');
    }
    return { claims: verified.claims, scopes: verified.scopes, clientId: verified.claims.client_id, subject: verified.claims.sub };
  }

  close(): Promise<void> {
    return this.gh.close();
  }
}

export { gatehousePlugin } from './fastify.js';
export { ResourceServerError } from './errors.js';
