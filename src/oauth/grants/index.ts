/**
 * The grant registry. The token endpoint asks selectGrant for the handler of a request, then the
 * grant's permits() (by default: the tenant's allowed_grants and the client's grant_types).
 */
import { apiKeyTokenExchangeGrant, gamApiKeyGrant, notAnApiKeyAuthType, TOKEN_EXCHANGE } from './api-key.js';
import { authorizationCodeGrant } from './authorization-code.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { passwordGrant } from './password.js';
import { refreshTokenGrant } from './refresh-token.js';
import type { Grant } from './types.js';
import type { Params } from '../params.js';
import { apiKeyAuthType, type TenantSettings } from '../../domain/tenant.js';

export const grants: ReadonlyMap<string, Grant> = new Map(
  [authorizationCodeGrant, clientCredentialsGrant, passwordGrant, refreshTokenGrant, apiKeyTokenExchangeGrant].map((grant) => [grant.type, grant]),
);

/**
 * The grant for a request to a tenant: GAM's API-key exchange shares grant_type=password with the
 * password grant, told apart by an authentication_type_name that names one of the tenant's
 * API-key authentication types.
 */
export function selectGrant(params: Params, settings: Pick<TenantSettings, 'api_key_auth_types'>): Grant | undefined {
  if (params.grant_type === 'password' && params.authentication_type_name !== undefined) {
    if (apiKeyAuthType(settings, params.authentication_type_name)) return gamApiKeyGrant;
    // Without this, the password grant would answer "username and password are required".
    if (params.api_key !== undefined) throw notAnApiKeyAuthType(settings, params.authentication_type_name);
  }
  return grants.get(params.grant_type ?? '');
}

export { TOKEN_EXCHANGE };
