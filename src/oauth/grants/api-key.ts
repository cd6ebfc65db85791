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
import { apiKeyAuthType, type TenantSettings } from '../../domain/tenant.js';
import type { TenantContext } from '../../core/tenants.js';
import { keyBoundLifetime } from '../../core/api-keys.js';
import { invalidGrant, invalidRequest, type OAuthError } from '../errors.js';
import { grantedScopes } from '../scopes.js';
import { clientMayRefresh, scopesHeldNow } from '../user-tokens.js';
import { randomId } from '../../crypto/random.js';
import type { Grant, TokenRequestContext, TokenResponse } from './types.js';

export const API_KEY_TOKEN_TYPE = 'urn:gatehouse:params:oauth:token-type:api-key';
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

function permits(client: Client, tenant: TenantContext): boolean {
  return client.apiKey.enabled && tenant.tenant.settings.api_keys_enabled && isConfidential(client);
}

export function notAnApiKeyAuthType(settings: Pick<TenantSettings, 'api_key_auth_types'>, name: string): OAuthError {
  return invalidRequest(`authentication_type_name "${name}" is not an API-key authentication type of this tenant (${settings.api_key_auth_types.join(', ')})`);
}

/**
 * The API-key authentication type a request signs in with: the one it names, else (the token
 * exchange, which has no such parameter of its own) the one the application is limited to, else
 * the tenant's first.
 */
function authTypeOf({ tenant, client, params }: TokenRequestContext): string {
  const { settings } = tenant.tenant;
  if (params.authentication_type_name === undefined) return client.apiKey.allowedAuthType ?? settings.api_key_auth_types[0]!;
  const type = apiKeyAuthType(settings, params.authentication_type_name);
  if (!type) throw notAnApiKeyAuthType(settings, params.authentication_type_name);
  return type;
}

async function exchange(ctx: TokenRequestContext, apiKey: string): Promise<TokenResponse> {
  const { tenant, client, params, services } = ctx;
  const authType = authTypeOf(ctx);
  // Names are compared without case, as the tenant's types are; the setting may predate a rename.
  if (client.apiKey.allowedAuthType && client.apiKey.allowedAuthType.toLowerCase() !== authType.toLowerCase()) {
    throw invalidGrant(`this application accepts API keys only for authentication type "${client.apiKey.allowedAuthType}"`);
  }
  const found = await services.apiKeys.check(tenant.tenant.id, client, apiKey);
  if (!found) throw invalidGrant('the API key is invalid');
  const requested = grantedScopes(params.scope, found.row.scope ? found.row.scope.split(' ') : []);
  // A key holds the scopes its user held when it was made; its tokens, the ones the user holds now.
  const scopes = await scopesHeldNow(services.scopes, tenant.tenant.id, found.user, requested);
  // Dated after the user's last cut-off, as access tokens are: a grant started in the same second
  // as a re-enable must not be born revoked.
  const authTime = Math.max(nowS(), found.user.notBefore + 1);
  const familyId = randomId();
  const minted = await services.userTokens.mint({ tenant, client, user: found.user, scopes, refreshScopes: requested, grantType: 'api_key', familyId, authTime, withRefreshToken: clientMayRefresh(client), lifetimeS: keyBoundLifetime(found.row, client) });
  const response = await services.feed.write(async (tx) => {
    await services.apiKeys.recordUse(tx, found);
    await services.userTokens.startFamily(tx, tenant, client, found.user, { id: familyId, authTime, scopes: requested, apiKeyId: found.row.id });
    return services.userTokens.record(tx, minted);
  });
  return { ...response, user_guid: found.user.id };
}

/** GAM's form: grant_type=password, authentication_type_name=<an API-key type, `apikey` by default>, api_key=… */
export const gamApiKeyGrant: Grant = {
  type: 'password',
  permits,
  async handle(ctx) {
    if (!ctx.params.api_key) throw invalidRequest(`api_key is required with authentication_type_name=${ctx.params.authentication_type_name}`);
    return exchange(ctx, ctx.params.api_key);
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
    const response = await exchange(ctx, params.subject_token);
    return { ...response, issued_token_type: ACCESS_TOKEN_TYPE };
  },
};
