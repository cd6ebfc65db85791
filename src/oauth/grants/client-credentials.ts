/** RFC 6749 §4.4: a confidential client obtains a token for itself; `sub` is its client_id. */
import { isConfidential } from '../../domain/client.js';
import { unauthorizedClient } from '../errors.js';
import { grantedScopes } from '../scopes.js';
import type { Grant, TokenRequestContext, TokenResponse } from './types.js';

export const clientCredentialsGrant: Grant = {
  type: 'client_credentials',
  async handle({ tenant, client, params, services }: TokenRequestContext): Promise<TokenResponse> {
    if (!isConfidential(client)) throw unauthorizedClient('client_credentials requires a confidential client');
    const scopes = grantedScopes(params.scope, client.scopes);
    const issued = await services.accessTokens.issue({ tenant, client, subject: client.clientId, scopes, grantType: 'client_credentials' });
    // RFC 6749 §4.4.3: no refresh token for client credentials.
    return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: scopes.join(' ') };
  },
};
