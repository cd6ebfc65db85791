/**
 * Verifying access tokens: jose checks the signature (against the tenant's in-memory keys), `typ:
 * at+jwt` (an ID token never passes), issuer, audience and expiry; then this node's in-memory
 * revocation state, client registry and user registry, fed by the change feed — no database read.
 */
import { jwtVerify, decodeJwt, decodeProtectedHeader, errors as joseErrors, type JWTPayload } from 'jose';
import type { KeyRing } from '../core/key-ring.js';
import type { RevocationState } from '../core/revocation.js';
import type { ClientRegistry } from '../core/clients.js';
import type { TenantContext, TenantRegistry } from '../core/tenants.js';
import type { UserRegistry } from '../core/users.js';
import type { ScopeRegistry } from '../core/scopes.js';
import { scopesForUser } from './user-tokens.js';
import { nowS } from '../domain/time.js';
import { holderCutOff, isUserBound, type CutOff } from '../core/token-cut-offs.js';

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

const CUT_OFF_MESSAGES: Record<CutOff, string> = {
  client_deleted: 'the token’s client no longer exists',
  client_deactivated: 'the token’s client has been deactivated',
  user_invalid: 'the token’s user is no longer valid',
  signing_key_withdrawn: 'the token was signed with an unknown key',
};

/** Signature verifications kept; the oldest entry leaves first. */
const VERIFIED_CACHE_SIZE = 10_000;

export class TokenVerifier {
  private readonly verified = new Map<string, VerifiedAccessToken>();
  /** Bumped when keys change, so a verification that raced the change is done again. */
  private keysVersion = 0;

  constructor(
    private readonly keys: KeyRing,
    private readonly revocations: RevocationState,
    private readonly clients: ClientRegistry,
    private readonly users: UserRegistry,
    private readonly tenants: TenantRegistry,
    private readonly scopes: ScopeRegistry,
  ) {
    // A cached signature outlives its key otherwise: a withdrawn key's tokens would keep passing.
    keys.onChange((tenantId) => {
      this.keysVersion++;
      for (const [token, entry] of this.verified) if (tenantId === undefined || entry.tenantId === tenantId) this.verified.delete(token);
    });
  }

  /**
   * Verifies an access token: signature, `typ: at+jwt` (an ID token never passes), issuer,
   * audience, expiry; then revocation and the client's state. By default only tokens of `tenant`
   * pass; with `anyTenant`, a valid token of any tenant passes and the caller decides (the admin
   * API answers 403 rather than 401 for another tenant's token).
   */
  async verify(token: string, tenant: TenantContext, options: { anyTenant?: boolean } = {}): Promise<VerifiedAccessToken> {
    // A cached signature is answered without the async detour (the gateway's every request).
    const verified = this.cachedSignature(token, tenant, options) ?? (await this.verifySignature(token, tenant, options));
    const { claims, tenantId } = verified;
    // Liveness is decided on every request, from state the change feed keeps current.
    if (this.revocations.isRevoked(claims.jti)) throw new TokenRejected('the token has been revoked');
    const client = await this.clients.get(tenantId, claims.client_id);
    const user = isUserBound(claims.client_id, claims.sub) ? await this.users.get(tenantId, claims.sub) : undefined;
    const cutOff = holderCutOff(claims.client_id, claims.sub, claims.iat, client, user);
    if (cutOff) throw new TokenRejected(CUT_OFF_MESSAGES[cutOff]);
    if (!user) return verified;
    // A scope restricted to roles holds only while the user has one of them (INTERFACE.md:
    // `admin` only for users with the admin role): a role taken away leaves live tokens at once.
    // The claims say so too, for whoever passes them on (the gateway's headers, introspection).
    const held = scopesForUser(verified.scopes, user, await this.scopes.byName(tenantId));
    return held.length === verified.scopes.length ? verified : { ...verified, claims: { ...verified.claims, scope: held.join(' ') }, scopes: held };
  }

  /** A verification of `token` in the cache, unexpired and of the tenant asked for (or any, with `anyTenant`). */
  private cachedSignature(token: string, tenant: TenantContext, options: { anyTenant?: boolean }): VerifiedAccessToken | undefined {
    const cached = this.verified.get(token);
    return cached && cached.claims.exp > nowS() && (cached.tenantId === tenant.tenant.id || options.anyTenant) ? cached : undefined;
  }

  /**
   * The jose part, cached by the token: a signature, once verified, stays valid until the token
   * expires, so repeated requests with one token (the gateway's common case) skip the ECDSA
   * verification. Keyed by the token itself, not a digest of it: SHA-256 per request cost the
   * gateway more than the rest of the check, and only tokens we signed get in, so entries stay
   * small. Bounded; an entry never outlives its token's `exp`, and a change of its tenant's keys
   * drops it.
   */
  private async verifySignature(token: string, tenant: TenantContext, options: { anyTenant?: boolean }): Promise<VerifiedAccessToken> {
    const keysVersion = this.keysVersion;
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
    const verified = { claims, tenantId, scopes: typeof claims.scope === 'string' && claims.scope ? claims.scope.split(' ') : [] };
    // The keys changed while jose worked (a withdrawal?): decide again on the current ones.
    if (keysVersion !== this.keysVersion) return this.verifySignature(token, tenant, options);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, verified);
    return verified;
  }
}
