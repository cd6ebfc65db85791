/**
 * Exchanging an API key for tokens, in two shapes: GAM's (seed 004: grant_type=password with
 * authentication_type_name=apikey and api_key) and a standard one, RFC 8693 token exchange with
 * subject_token_type urn:gatehouse:params:oauth:token-type:api-key. Either works whenever the
 * client has api_key_enabled, whatever its grant_types; tokens carry the key's scopes, never more,
 * and belong to a family recorded against the key, so deleting the key revokes them.
 */
import type { Client } from '../../domain/client.js';
import { isConfidential } from '../../domain/client.js';
import { nowS } from '../../domain/time.js';
import type { TenantContext } from '../../core/tenants.js';
import { keyBoundLifetime } from '../../core/api-keys.js';
import { invalidGrant, invalidRequest } from '../errors.js';
import { grantedScopes } from '../scopes.js';
import { clientMayRefresh } from '../user-tokens.js';
import { randomId } from '../../crypto/random.js';
import type { Grant, TokenRequestContext, TokenResponse } from './types.js';

export const API_KEY_TOKEN_TYPE = 'urn:gatehouse:params:oauth:token-type:api-key';
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

function permits(client: Client, tenant: TenantContext): boolean {
  return client.apiKey.enabled && tenant.tenant.settings.api_keys_enabled && isConfidential(client);
}

async function exchange(ctx: TokenRequestContext, apiKey: string, authType: string): Promise<TokenResponse> {
  const { tenant, client, params, services } = ctx;
  if (client.apiKey.allowedAuthType && client.apiKey.allowedAuthType !== authType) {
    throw invalidGrant(`this application accepts API keys only for authentication type "${client.apiKey.allowedAuthType}"`);
  }
  const found = await services.apiKeys.check(tenant.tenant.id, client, apiKey);
  if (!found) throw invalidGrant('the API key is invalid');
  const scopes = grantedScopes(params.scope, found.row.scope ? found.row.scope.split(' ') : []);
  // Dated after the user's last cut-off, as access tokens are: a grant started in the same second
  // as a re-enable must not be born revoked.
  const authTime = Math.max(nowS(), found.user.notBefore + 1);
  const familyId = randomId();
  const minted = await services.userTokens.mint({ tenant, client, user: found.user, scopes, grantType: 'api_key', familyId, authTime, withRefreshToken: clientMayRefresh(client), lifetimeS: keyBoundLifetime(found.row, client) });
  const response = await services.feed.write(async (tx) => {
    await services.apiKeys.recordUse(tx, found);
    await services.userTokens.startFamily(tx, tenant, client, found.user, { id: familyId, authTime, scopes, apiKeyId: found.row.id });
    return services.userTokens.record(tx, minted);
  });
  return { ...response, user_guid: found.user.id };
}

/** GAM's form: grant_type=password, authentication_type_name=apikey, api_key=… */
export const gamApiKeyGrant: Grant = {
  type: 'password',
  permits,
  async handle(ctx) {
    if (!ctx.params.api_key) throw invalidRequest('api_key is required with authentication_type_name=apikey');
    return exchange(ctx, ctx.params.api_key, ctx.params.authentication_type_name ?? 'apikey');
  },
};

/** RFC 8693 token exchange with an API key as the subject token. */
export const apiKeyTokenExchangeGrant: Grant = {
  type: TOKEN_EXCHANGE,
  permits,
  async handle(ctx) {
    const { params } = ctx;
    if (!params.subject_token) throw invalidRequest('subject_token is required');
    if (params.subject_token_type !== API_KEY_TOKEN_TYPE) throw invalidRequest(`subject_token_type must be ${API_KEY_TOKEN_TYPE}`);
    if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE) throw invalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
    const response = await exchange(ctx, params.subject_token, 'apikey');
    return { ...response, issued_token_type: ACCESS_TOKEN_TYPE };
  },
};
