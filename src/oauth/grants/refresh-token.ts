/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14): each refresh token works once; the rotation is a
 * compare-and-swap, so of concurrent refreshes exactly one succeeds; reusing a rotated token
 * revokes its whole family. The client's refresh count is spent in the same transaction.
 * Optionally (tenant refresh_token_grace_s, confidential clients only) a retry within the grace
 * period gets the same successor pair instead.
 */
import { isConfidential } from '../../domain/client.js';
import { nowS } from '../../domain/time.js';
import { invalidGrant, invalidRequest } from '../errors.js';
import { grantedScopes } from '../scopes.js';
import type { Grant, TokenRequestContext, TokenResponse } from './types.js';
import { requireLiveUser } from './user-check.js';
import { keyBoundLifetime } from '../../core/api-keys.js';

export const refreshTokenGrant: Grant = {
  type: 'refresh_token',
  async handle({ tenant, client, params, services }: TokenRequestContext): Promise<TokenResponse> {
    if (!params.refresh_token) throw invalidRequest('refresh_token is required');
    const { store, userTokens, tokenAdmin } = services;
    const row = await store.grants.getRefresh(userTokens.storageKeys(params.refresh_token));
    if (!row || row.tenant_id !== tenant.tenant.id || row.client_id !== client.clientId) throw invalidGrant('the refresh token is invalid');
    const family = await store.grants.getFamily(row.family_id);
    if (!family || family.revoked_at !== null) throw invalidGrant('the refresh token has been revoked');
    // Like its access tokens, a refresh token issued before its client was deactivated stays dead after reactivation.
    if (Number(row.issued_at) <= client.notBefore) throw invalidGrant('the refresh token was issued before its client was deactivated');
    // A family exchanged for an API key lives only as long as the key works (issue 6).
    const apiKey = family.api_key_id ? await services.apiKeys.liveKeyOfFamily(tenant.tenant.id, client, family.api_key_id) : undefined;
    if (family.api_key_id && !apiKey) throw invalidGrant('the API key this grant was exchanged for is no longer valid');
    // Narrower scope is allowed, wider is not (RFC 6749 §6).
    const scopes = grantedScopes(params.scope, row.scope ? row.scope.split(' ') : []);
    const now = nowS();
    const grace = tenant.tenant.settings.refresh_token_grace_s;

    if (row.rotated_at !== null && grace > 0 && isConfidential(client) && row.successor && now - Number(row.rotated_at) <= grace && params.scope === undefined) {
      return userTokens.unseal(row.successor);
    }

    const outcome = await services.feed.write(async (tx) => {
      const user = await tx.users.get(tenant.tenant.id, family.user_id);
      requireLiveUser(user, Number(family.auth_time));
      if (row.rotated_at !== null || !(await tx.grants.rotateRefresh(row.id, now, null))) {
        await tokenAdmin.revokeFamiliesIn(tx, tenant.tenant.id, [family.id], now, 'refresh token reused');
        return { reused: true as const };
      }
      if (!(await tx.grants.spendRefresh(family.id))) return { exhausted: true as const };
      const left = (await tx.grants.getFamily(family.id))!.refresh_count_left;
      const response = await userTokens.issue({
        tx,
        tenant,
        client,
        user: user!,
        scopes,
        grantType: 'refresh_token',
        familyId: family.id,
        authTime: Number(family.auth_time),
        withRefreshToken: left === null || Number(left) > 0,
        lifetimeS: apiKey ? keyBoundLifetime(apiKey, client) : undefined,
      });
      if (grace > 0 && isConfidential(client)) await tx.grants.rotateRefreshSuccessor(row.id, userTokens.seal(response));
      return { response };
    });
    if ('reused' in outcome) throw invalidGrant('the refresh token was already used; its grant is revoked');
    if ('exhausted' in outcome) throw invalidGrant('the refresh count of this grant is used up');
    return outcome.response;
  },
};
