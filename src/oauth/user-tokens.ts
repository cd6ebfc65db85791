/**
 * What user-bound grants (authorization code, password, refresh, API keys) hand out: an access
 * token, a refresh token when the client may refresh, and an OpenID ID token when `openid` was
 * granted. A grant mints them before its transaction (`mint`: group-committed transactions run one
 * after another, so a signature made inside one would hold up its whole batch) and records them
 * in it (`record`), so a grant either fully happened or not at all; tokens of a grant that did
 * not happen were never recorded and are never sent.
 */
import { createHash } from 'node:crypto';
import type { Client } from '../domain/client.js';
import type { TenantContext } from '../core/tenants.js';
import type { User } from '../core/users.js';
import type { Scope, ScopeRegistry } from '../core/scopes.js';
import { invalidScope } from './errors.js';
import type { KeyRing } from '../core/key-ring.js';
import type { ServerSecret } from '../crypto/server-secret.js';
import { randomToken } from '../crypto/random.js';
import { mintJwt } from '../crypto/jwt-minter.js';
import type { Repositories } from '../store/index.js';
import type { RefreshTokenRow, TokenRow } from '../store/schema.js';
import { nowS } from '../domain/time.js';
import type { AccessTokens } from './access-tokens.js';
import type { TokenResponse } from './grants/types.js';

export const REFRESH_TOKEN_PREFIX = 'ghr_';
const ID_TOKEN_LIFETIME_S = 3600;

export interface FamilyStart {
  /** Chosen before the transaction (a random id, as a code's family is), so the tokens can be minted before it. */
  id: string;
  authTime: number;
  scopes: string[];
  /** The API key the family was exchanged for: deleting the key revokes the family. */
  apiKeyId?: string;
}

export interface UserTokenRequest {
  tenant: TenantContext;
  client: Client;
  user: User;
  scopes: string[];
  grantType: string;
  familyId: string;
  authTime: number;
  /** Whether to hand out a refresh token (the family still has refreshes left). */
  withRefreshToken: boolean;
  /** The refresh token's scope when it differs from the access token's: RFC 6749 §6 keeps a narrowed refresh's successor at the scope presented. */
  refreshScopes?: string[];
  /** Overrides the client's access-token lifetime (tokens from an API key end with the key). */
  lifetimeS?: number | null;
  nonce?: string | null;
}

/**
 * Scopes with `roles` go only to users holding one of them (GAM permissions; `admin` needs the
 * admin role). `dropUnknown` also leaves out names that are no scope of the tenant any more.
 */
export function scopesForUser(scopes: string[], user: User, known: Map<string, Scope>, { dropUnknown = false } = {}): string[] {
  return scopes.filter((name) => {
    const scope = known.get(name);
    if (!scope) return !dropUnknown;
    return scope.roles.length === 0 || scope.roles.some((role) => user.roles.includes(role));
  });
}

/**
 * What a user-bound grant may issue of the scopes it was granted, under the rules of now: a scope
 * deleted since, or restricted to a role the user no longer holds, is left out (INTERFACE.md:
 * `admin` only for users with the admin role). Nothing left is invalid_scope, never a token for
 * nothing. The grant itself keeps its scopes, so a role given back returns them.
 */
export async function scopesHeldNow(scopes: ScopeRegistry, tenantId: string, user: User, granted: string[]): Promise<string[]> {
  const held = scopesForUser(granted, user, await scopes.byName(tenantId), { dropUnknown: true });
  if (granted.length > 0 && held.length === 0) throw invalidScope('the user no longer holds the roles the granted scopes are restricted to');
  return held;
}

/** INTERFACE.md: refresh tokens go to clients with refresh_token in grant_types and a limit other than 0. */
export function clientMayRefresh(client: Client): boolean {
  return client.grantTypes.includes('refresh_token') && client.refreshTokenLimit !== 0;
}

/** Signed tokens and the rows that record them. */
export interface MintedUserTokens {
  response: TokenResponse;
  accessRow: TokenRow;
  refreshRow?: RefreshTokenRow;
}

export class UserTokens {
  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly keys: KeyRing,
    private readonly secret: ServerSecret,
  ) {}

  /** Starts a grant family: the unit that counts refreshes and that reuse detection revokes. */
  async startFamily(tx: Repositories, tenant: TenantContext, client: Client, user: User, start: FamilyStart): Promise<void> {
    await tx.grants.insertFamily({
      id: start.id,
      tenant_id: tenant.tenant.id,
      client_id: client.clientId,
      user_id: user.id,
      scope: start.scopes.join(' '),
      auth_time: start.authTime,
      refresh_count_left: client.refreshTokenLimit,
      created_at: nowS(),
      revoked_at: null,
      api_key_id: start.apiKeyId ?? null,
    });
  }

  async mint(request: UserTokenRequest): Promise<MintedUserTokens> {
    const { tenant, client, user, scopes } = request;
    const access = await this.accessTokens.mint({ tenant, client, subject: user.id, subjectNotBefore: user.notBefore, scopes, grantType: request.grantType, familyId: request.familyId, lifetimeS: request.lifetimeS });
    const response: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: scopes.join(' ') };
    let refreshRow: RefreshTokenRow | undefined;
    if (request.withRefreshToken) {
      const refreshToken = `${REFRESH_TOKEN_PREFIX}${randomToken(256)}`;
      refreshRow = {
        id: this.storageKey(refreshToken),
        tenant_id: tenant.tenant.id,
        family_id: request.familyId,
        client_id: client.clientId,
        scope: (request.refreshScopes ?? scopes).join(' '),
        access_jti: access.jti,
        issued_at: access.iat,
        rotated_at: null,
        successor: null,
      };
      response.refresh_token = refreshToken;
    }
    if (scopes.includes('openid')) {
      response.id_token = await this.idToken(tenant, client, user, access.token, request.authTime, request.nonce ?? undefined);
    }
    return { response, accessRow: access.row, ...(refreshRow ? { refreshRow } : {}) };
  }

  /** Writes minted tokens in the grant's transaction; the response may go out once it commits. */
  async record(tx: Repositories, minted: MintedUserTokens): Promise<TokenResponse> {
    await tx.tokens.insertMany([minted.accessRow]);
    if (minted.refreshRow) await tx.grants.insertRefresh(minted.refreshRow);
    return minted.response;
  }

  /** The stored key of a bearer secret (refresh token, code): a keyed hash under the current server-secret version. */
  storageKey(refreshToken: string): string {
    return this.secret.lookupKeys(refreshToken)[0]!;
  }

  /** Every key a bearer secret (refresh token, code) may be stored under: one per server-secret version, so rows written before a rotation are found. */
  storageKeys(secret: string): string[] {
    return this.secret.lookupKeys(secret);
  }

  seal(response: TokenResponse): string {
    return this.secret.encrypt(JSON.stringify(response));
  }

  unseal(sealed: string): TokenResponse {
    return JSON.parse(this.secret.decrypt(sealed).plaintext) as TokenResponse;
  }

  /** OpenID Connect Core §2 ID token, with at_hash (§3.1.3.6) binding it to the access token. */
  private async idToken(tenant: TenantContext, client: Client, user: User, accessToken: string, authTime: number, nonce?: string): Promise<string> {
    const key = await this.keys.signingKey(tenant.tenant.id);
    const digest = createHash('sha256').update(accessToken).digest();
    const iat = nowS();
    return mintJwt(key, 'JWT', {
      iss: tenant.issuer,
      sub: user.id,
      aud: client.clientId,
      azp: client.clientId,
      iat,
      exp: iat + ID_TOKEN_LIFETIME_S,
      auth_time: authTime,
      at_hash: digest.subarray(0, digest.length / 2).toString('base64url'),
      ...(nonce ? { nonce } : {}),
    });
  }
}
