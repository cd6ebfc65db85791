/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636). A code is single-use, bound to its client and redirect
 * URI; the exchange is a compare-and-swap, so of any number of concurrent exchanges exactly one
 * succeeds, and a replay revokes every token issued from the code (RFC 9700 §4.2.4).
 */
import { nowS } from '../../domain/time.js';
import { invalidGrant, invalidRequest } from '../errors.js';
import { checkVerifier } from '../pkce.js';
import { narrowedScopes } from '../scopes.js';
import { clientMayRefresh, scopesHeldNow } from '../user-tokens.js';
import type { Grant, TokenRequestContext, TokenResponse } from './types.js';
import { requireLiveUser } from './user-check.js';
import { revokeFamiliesIn } from '../../core/tokens.js';

export const CODE_PREFIX = 'ghc_';

export const authorizationCodeGrant: Grant = {
  type: 'authorization_code',
  async handle({ tenant, client, params, services }: TokenRequestContext): Promise<TokenResponse> {
    if (!params.code) throw invalidRequest('code is required');
    const code = await services.store.grants.getCode(services.userTokens.storageKeys(params.code));
    const now = nowS();
    if (!code || code.tenant_id !== tenant.tenant.id || code.client_id !== client.clientId) throw invalidGrant('the authorization code is invalid');
    if (code.redirect_uri !== '' && params.redirect_uri !== code.redirect_uri) throw invalidGrant('redirect_uri does not match the authorization request');
    if (code.redirect_uri === '' && params.redirect_uri !== undefined) throw invalidGrant('redirect_uri was not part of the authorization request');
    checkVerifier(code.code_challenge, params.code_verifier);

    // Minted for the user as the cache knows them; the transaction decides on the stored user. A
    // code already used or expired gets no tokens, so it costs no signature either.
    const granted = code.scope ? code.scope.split(' ') : [];
    // The refresh token keeps what the user granted, as a narrowed refresh's successor does (RFC 6749 §6).
    const narrowed = narrowedScopes(params.scope, granted);
    const redeemable = code.used_at === null && Number(code.expires_at) > now;
    const user = redeemable ? requireLiveUser(await services.users.get(tenant.tenant.id, code.user_id), code.auth_time) : undefined;
    const minted = !user ? undefined : await services.userTokens.mint({
      tenant,
      client,
      user,
      // A role taken away in the minute since the consent is gone from the token too.
      scopes: await scopesHeldNow(services.scopes, tenant.tenant.id, user, narrowed),
      grantType: 'authorization_code',
      familyId: code.family_id,
      authTime: Number(code.auth_time),
      withRefreshToken: clientMayRefresh(client),
      refreshScopes: granted,
      nonce: code.nonce,
    });

    const outcome = await services.feed.write(async (tx) => {
      if (!(await tx.grants.useCode(code.id, now))) {
        await revokeFamiliesIn(tx, tenant.tenant.id, [code.family_id], now, 'authorization code replayed');
        return { replayed: true as const };
      }
      // Past the compare-and-swap, the code was unused when read: without tokens, it had expired.
      if (!minted) return { expired: true as const };
      const user = requireLiveUser(await tx.users.get(tenant.tenant.id, code.user_id), code.auth_time);
      await tx.grants.insertFamily({
        id: code.family_id,
        tenant_id: tenant.tenant.id,
        client_id: client.clientId,
        user_id: user.id,
        scope: code.scope,
        auth_time: Number(code.auth_time),
        refresh_count_left: client.refreshTokenLimit,
        created_at: now,
        revoked_at: null,
      });
      return { response: await services.userTokens.record(tx, minted) };
    });
    if ('replayed' in outcome) throw invalidGrant('the authorization code was already used; tokens issued from it are revoked');
    if ('expired' in outcome) throw invalidGrant('the authorization code has expired');
    return outcome.response;
  },
};
