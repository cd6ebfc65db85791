/**
 * Issuing access tokens: RFC 9068 JWTs, recorded durably (group commit, or the grant's own
 * transaction) before the caller may answer. Verifying them is oauth/token-verifier.ts.
 *
 * Grants that write in a transaction of their own mint first and record inside it (`mint`):
 * SQLite transactions are group-committed and run one after another, so work done inside one
 * holds up every transaction of its batch.
 */
import { timeOrderedId } from '../crypto/random.js';
import { mintJwt } from '../crypto/jwt-minter.js';
import type { Client } from '../domain/client.js';
import { nowS } from '../domain/time.js';
import type { KeyRing } from '../core/key-ring.js';
import type { TokenWriter } from '../core/token-writer.js';
import type { TenantContext } from '../core/tenants.js';
import type { TokenRow } from '../store/schema.js';

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
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  iat: number;
  exp: number;
  expiresIn: number;
  neverExpires: boolean;
}

/** A signed token and the row that records it, for the caller's transaction to insert. */
export interface MintedAccessToken extends IssuedAccessToken {
  row: TokenRow;
}

export class AccessTokens {
  constructor(
    private readonly keys: KeyRing,
    private readonly writer: TokenWriter,
    private readonly maxLifetimeS: number,
  ) {}

  /** Signs the token and records it through the group commit; resolves once it is durable. */
  async issue(request: IssueRequest): Promise<IssuedAccessToken> {
    const { row, ...issued } = await this.mint(request);
    await this.writer.record(row);
    return issued;
  }

  /** Signs the token; recording `row` is the caller's, in its own transaction. */
  async mint(request: IssueRequest): Promise<MintedAccessToken> {
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
    const row: TokenRow = {
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
    return { token, row, jti, iat, exp, expiresIn, neverExpires };
  }
}
