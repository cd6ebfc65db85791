/**
 * The grant registry. The token endpoint asks selectGrant for the handler of a request, then the
 * grant's permits() (by default: the tenant's allowed_grants and the client's grant_types).
 */
import { apiKeyTokenExchangeGrant, gamApiKeyGrant, TOKEN_EXCHANGE } from './api-key.js';
import { authorizationCodeGrant } from './authorization-code.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { passwordGrant } from './password.js';
import { refreshTokenGrant } from './refresh-token.js';
import type { Grant } from './types.js';
import type { Params } from '../params.js';

export const grants: ReadonlyMap<string, Grant> = new Map(
  [authorizationCodeGrant, clientCredentialsGrant, passwordGrant, refreshTokenGrant, apiKeyTokenExchangeGrant].map((grant) => [grant.type, grant]),
);

/** The grant for a request: GAM's API-key exchange shares grant_type=password with the password grant. */
export function selectGrant(params: Params): Grant | undefined {
  if (params.grant_type === 'password' && params.authentication_type_name?.toLowerCase() === 'apikey') return gamApiKeyGrant;
  return grants.get(params.grant_type ?? '');
}

export { TOKEN_EXCHANGE };
