/**
 * Access tokens: RFC 9068 JWTs. Issuing records the token durably (group commit) before the
 * caller may answer; verifying goes through jose and then through this node's in-memory
 * revocation state and client registry, with no database read.
 */
import { jwtVerify, decodeJwt, decodeProtectedHeader, errors as joseErrors, type JWTPayload } from 'jose';
import { timeOrderedId } from '../crypto/random.js';
import { mintJwt } from '../crypto/jwt-minter.js';
import type { Client } from '../domain/client.js';
import { nowS } from '../domain/time.js';
import type { KeyRing } from '../core/key-ring.js';
import type { TokenWriter } from '../core/token-writer.js';
import type { RevocationState } from '../core/revocation.js';
import type { ClientRegistry } from '../core/clients.js';
import type { TenantContext, TenantRegistry } from '../core/tenants.js';
import type { UserRegistry } from '../core/users.js';
import type { Repositories } from '../store/index.js';

export interface IssueRequest {
  tenant: TenantContext;
  client: Client;
  subject: string;
  scopes: string[];
  grantType: string;
  /** Overrides the client's lifetime (admin-issued tokens): seconds, or null for never. */
  lifetimeS?: number | null;
  familyId?: string;
  extraClaims?: Record<string, unknown>;
  /** The user's cut-off time (password change, re-enable): the token must be issued after it. */
  subjectNotBefore?: number;
  /** Record the token in this transaction rather than through the group commit (code and refresh grants, whose rows must commit with their grant). */
  tx?: Repositories;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  iat: number;
  exp: number;
  expiresIn: number;
  neverExpires: boolean;
}

export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  client_id: string;
  scope: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface VerifiedAccessToken {
  claims: AccessTokenClaims;
  tenantId: string;
  scopes: string[];
}

export class TokenRejected extends Error {}

export class AccessTokens {
  constructor(
    private readonly keys: KeyRing,
    private readonly writer: TokenWriter,
    private readonly revocations: RevocationState,
    private readonly clients: ClientRegistry,
    private readonly tenants: TenantRegistry,
    private readonly maxLifetimeS: number,
    /** Late-bound: the user registry revokes through token management, which issues through here. */
    private readonly users: () => UserRegistry,
  ) {}

  async issue(request: IssueRequest): Promise<IssuedAccessToken> {
    const lifetime = request.lifetimeS === undefined ? request.client.accessTokenLifetime : request.lifetimeS;
    const neverExpires = lifetime === null;
    // Cut-offs are whole seconds and refuse tokens with iat <= cut-off; a token issued in the same
    // second as a reactivation or password change is dated just after it rather than refused.
    const iat = Math.max(nowS(), request.client.notBefore + 1, (request.subjectNotBefore ?? -1) + 1);
    const expiresIn = neverExpires ? this.maxLifetimeS : Math.min(lifetime, this.maxLifetimeS);
    const exp = iat + expiresIn;
    // Time-ordered: the jtis of one batch share index pages in the tokens table (crypto/random.ts).
    const jti = timeOrderedId();
    const key = await this.keys.signingKey(request.tenant.tenant.id);
    const scope = request.scopes.join(' ');
    const token = mintJwt(key, 'at+jwt', {
      iss: request.tenant.issuer,
      sub: request.subject,
      aud: request.tenant.audience,
      client_id: request.client.clientId,
      scope,
      jti,
      iat,
      exp,
      ...request.extraClaims,
    });
    const row = {
      jti,
      tenant_id: request.tenant.tenant.id,
      client_id: request.client.clientId,
      subject: request.subject,
      scope,
      grant_type: request.grantType,
      kid: key.kid,
      issued_at: iat,
      expires_at: exp,
      never_expires: neverExpires ? 1 : 0,
      family_id: request.familyId ?? null,
      revoked_at: null,
      revoked_reason: null,
    };
    if (request.tx) await request.tx.tokens.insertMany([row]);
    else await this.writer.record(row);
    return { token, jti, iat, exp, expiresIn, neverExpires };
  }

  /**
   * Verifies an access token: signature, `typ: at+jwt` (an ID token never passes), issuer,
   * audience, expiry; then revocation and the client's state. By default only tokens of `tenant`
   * pass; with `anyTenant`, a valid token of any tenant passes and the caller decides (the admin
   * API answers 403 rather than 401 for another tenant's token).
   */
  async verify(token: string, tenant: TenantContext, options: { anyTenant?: boolean } = {}): Promise<VerifiedAccessToken> {
    let issuerTenant: TenantContext | undefined = tenant;
    try {
      decodeProtectedHeader(token);
      const unverifiedIss = decodeJwt(token).iss;
      if (options.anyTenant && unverifiedIss !== tenant.issuer && typeof unverifiedIss === 'string') {
        issuerTenant = await this.tenants.fromIssuer(unverifiedIss);
      }
    } catch {
      throw new TokenRejected('the token is not a JWT');
    }
    if (!issuerTenant) throw new TokenRejected('the token was issued by an unknown issuer');
    const tenantId = issuerTenant.tenant.id;
    let claims: AccessTokenClaims;
    try {
      const result = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid ? await this.keys.publicKey(tenantId, header.kid) : undefined;
          if (!key) throw new TokenRejected('the token was signed with an unknown key');
          return key;
        },
        { typ: 'at+jwt', issuer: issuerTenant.issuer, audience: issuerTenant.audience, algorithms: ['ES256'], requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'] },
      );
      claims = result.payload as AccessTokenClaims;
    } catch (error) {
      if (error instanceof TokenRejected) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new TokenRejected('the token has expired');
      throw new TokenRejected('the token is invalid');
    }
    if (this.revocations.isRevoked(claims.jti)) throw new TokenRejected('the token has been revoked');
    const client = await this.clients.get(tenantId, claims.client_id);
    if (!client) throw new TokenRejected('the token’s client no longer exists');
    if (!client.active || claims.iat <= client.notBefore) throw new TokenRejected('the token’s client has been deactivated');
    // A user-bound token (sub is not its client) dies with the user's credentials.
    if (claims.sub !== claims.client_id) {
      const user = await this.users().get(tenantId, claims.sub);
      if (!user || user.disabled || claims.iat <= user.notBefore) throw new TokenRejected('the token’s user is no longer valid');
    }
    return { claims, tenantId, scopes: typeof claims.scope === 'string' && claims.scope ? claims.scope.split(' ') : [] };
  }
}
