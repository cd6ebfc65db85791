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
import { invalidRequest, OAuthError } from '../errors.js';
import { apiKeyAuthType, type TenantSettings } from '../../domain/tenant.js';

export const grants: ReadonlyMap<string, Grant> = new Map(
  [authorizationCodeGrant, clientCredentialsGrant, passwordGrant, refreshTokenGrant, apiKeyTokenExchangeGrant].map((grant) => [grant.type, grant]),
);

/** GAM's local authentication type (seed 001): the password grant itself. */
const LOCAL_AUTH_TYPE = 'local';

/**
 * GAM's other authentication types, sent as grant_type (seed 001): sign-ins through identity
 * providers and verifiers that Gatehouse does not federate with.
 */
const GAM_EXTERNAL_AUTH_TYPES = new Set(['facebook', 'twitter', 'google', 'externalwebservice', 'custom', 'device']);

/**
 * The grant for a request to a tenant: GAM's API-key exchange shares grant_type=password with the
 * password grant, told apart by an authentication_type_name that names one of the tenant's
 * API-key authentication types. Any other name than `local` is refused: a client that means to
 * sign in some other way must not be signed in with a local password instead.
 */
export function selectGrant(params: Params, settings: Pick<TenantSettings, 'api_key_auth_types'>): Grant | undefined {
  const authType = params.authentication_type_name;
  if (params.grant_type === 'password' && authType !== undefined) {
    if (apiKeyAuthType(settings, authType)) return gamApiKeyGrant;
    // Without this, the password grant would answer "username and password are required".
    if (params.api_key !== undefined) throw notAnApiKeyAuthType(settings, authType);
    if (authType.toLowerCase() !== LOCAL_AUTH_TYPE) {
      throw invalidRequest(`authentication_type_name "${authType}" is not an authentication type of this tenant (${[LOCAL_AUTH_TYPE, ...settings.api_key_auth_types].join(', ')})`);
    }
  }
  return grants.get(params.grant_type ?? '');
}

/** The answer to a grant_type no grant handles; GAM's external types are named as such where GAM requests are accepted. */
export function unsupportedGrantType(grantType: string, gam: boolean): OAuthError {
  if (gam && GAM_EXTERNAL_AUTH_TYPES.has(grantType.toLowerCase())) {
    return new OAuthError('unsupported_grant_type', `grant_type "${grantType}" is a GAM authentication type Gatehouse does not offer: sign in with grant_type=password (local) or an API key`);
  }
  return new OAuthError('unsupported_grant_type', `grant_type "${grantType}" is not supported`);
}

export { TOKEN_EXCHANGE };
