/**
 * RFC 7662 for refresh tokens: a refresh token is active while it can still be redeemed — not
 * rotated, its grant family not revoked, its client active and not cut off since the token was
 * issued, the API key it was exchanged for (if any) still valid, its user enabled and not cut off
 * since the grant began. These are the refresh grant's
 * own checks, so introspection never calls active what the token endpoint would refuse.
 */
import type { Gatehouse } from '../gatehouse.js';
import type { TenantContext } from '../core/tenants.js';
import { REFRESH_TOKEN_PREFIX } from './user-tokens.js';
import { clientCutOff, userCutOff } from '../core/token-cut-offs.js';

export interface RefreshIntrospection {
  active: true;
  token_type: 'refresh_token';
  scope: string;
  client_id: string;
  sub: string;
  iss: string;
  iat: number;
}

export function looksLikeRefreshToken(token: string): boolean {
  return token.startsWith(REFRESH_TOKEN_PREFIX);
}

/** The introspection of a live refresh token of `tenant`, or undefined when it is not one. */
export async function introspectRefreshToken(gh: Gatehouse, tenant: TenantContext, token: string): Promise<RefreshIntrospection | undefined> {
  const tenantId = tenant.tenant.id;
  const row = await gh.store.grants.getRefresh(gh.userTokens.storageKeys(token));
  if (!row || row.tenant_id !== tenantId || row.rotated_at !== null) return undefined;
  const family = await gh.store.grants.getFamily(row.family_id);
  if (!family || family.revoked_at !== null) return undefined;
  const client = await gh.clients.get(tenantId, row.client_id);
  if (!client || clientCutOff(client, Number(row.issued_at))) return undefined;
  if (family.api_key_id && !(await gh.apiKeys.liveKeyOfFamily(tenantId, client, family.api_key_id))) return undefined;
  if (userCutOff(await gh.users.get(tenantId, family.user_id), Number(family.auth_time))) return undefined;
  return {
    active: true,
    token_type: 'refresh_token',
    scope: row.scope,
    client_id: row.client_id,
    sub: family.user_id,
    iss: tenant.issuer,
    iat: Number(row.issued_at),
  };
}
