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
import { scopesHeldNow } from '../user-tokens.js';
import { grantedScopes } from '../scopes.js';
import type { Grant, TokenRequestContext, TokenResponse } from './types.js';
import { requireLiveUser } from './user-check.js';
import { revokeFamiliesIn } from '../../core/tokens.js';
import { keyBoundLifetime } from '../../core/api-keys.js';

export const refreshTokenGrant: Grant = {
  type: 'refresh_token',
  async handle({ tenant, client, params, services }: TokenRequestContext): Promise<TokenResponse> {
    if (!params.refresh_token) throw invalidRequest('refresh_token is required');
    const { store, userTokens } = services;
    const row = await store.grants.getRefresh(userTokens.storageKeys(params.refresh_token));
    if (!row || row.tenant_id !== tenant.tenant.id || row.client_id !== client.clientId) throw invalidGrant('the refresh token is invalid');
    const family = await store.grants.getFamily(row.family_id);
    if (!family || family.revoked_at !== null) throw invalidGrant('the refresh token has been revoked');
    // Like its access tokens, a refresh token issued before its client was deactivated stays dead after reactivation.
    if (Number(row.issued_at) <= client.notBefore) throw invalidGrant('the refresh token was issued before its client was deactivated');
    // A family exchanged for an API key lives only as long as the key works (issue 6).
    const apiKey = family.api_key_id ? await services.apiKeys.liveKeyOfFamily(tenant.tenant.id, client, family.api_key_id) : undefined;
    if (family.api_key_id && !apiKey) throw invalidGrant('the API key this grant was exchanged for is no longer valid');
    // Narrower scope is allowed, wider is not, and the successor keeps the presented token's scope (RFC 6749 §6).
    const presentedScopes = row.scope ? row.scope.split(' ') : [];
    const requested = grantedScopes(params.scope, presentedScopes, 'not granted to this refresh token');
    const now = nowS();
    const grace = tenant.tenant.settings.refresh_token_grace_s;

    if (row.rotated_at !== null && grace > 0 && isConfidential(client) && row.successor && now - Number(row.rotated_at) <= grace && params.scope === undefined) {
      return userTokens.unseal(row.successor);
    }

    // Minted before the transaction, for the user as the cache knows them and with a successor
    // refresh token when the family will have refreshes left after this one; the transaction
    // re-checks the stored user, and its compare-and-swap makes that count exact (a family has
    // one live refresh token, so nothing else spends from it unless this rotation fails).
    const left = family.refresh_count_left;
    const user = row.rotated_at !== null ? undefined : requireLiveUser(await services.users.get(tenant.tenant.id, family.user_id), Number(family.auth_time));
    // Every refresh applies the rules of now, not of the sign-in; the successor keeps the grant.
    const scopes = user ? await scopesHeldNow(services.scopes, tenant.tenant.id, user, requested) : requested;
    const minted = !user ? undefined : await userTokens.mint({
      tenant,
      client,
      user,
      scopes,
      grantType: 'refresh_token',
      familyId: family.id,
      authTime: Number(family.auth_time),
      withRefreshToken: left === null || Number(left) > 1,
      refreshScopes: presentedScopes,
      lifetimeS: apiKey ? keyBoundLifetime(apiKey, client) : undefined,
    });

    // Within the grace period a retry gets this same pair, kept sealed with the rotated token;
    // not when this refresh will find the count used up, whose pair is never recorded.
    const spendable = left === null || Number(left) > 0;
    const successor = minted && spendable && grace > 0 && isConfidential(client) ? userTokens.seal(minted.response) : null;
    const outcome = await services.feed.write(async (tx) => {
      requireLiveUser(await tx.users.get(tenant.tenant.id, family.user_id), Number(family.auth_time));
      if (!minted || !(await tx.grants.rotateRefresh(row.id, now, successor))) {
        await revokeFamiliesIn(tx, tenant.tenant.id, [family.id], now, 'refresh token reused');
        return { reused: true as const };
      }
      if (!(await tx.grants.spendRefresh(family.id))) return { exhausted: true as const };
      return { response: await userTokens.record(tx, minted) };
    });
    if ('reused' in outcome) throw invalidGrant('the refresh token was already used; its grant is revoked');
    if ('exhausted' in outcome) throw invalidGrant('the refresh count of this grant is used up');
    return outcome.response;
  },
};
