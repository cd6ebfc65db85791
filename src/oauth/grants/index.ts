/**
 * The grant registry. The token endpoint picks a grant by grant_type from here, after the
 * tenant's allowed_grants and the client's grant_types have both allowed it.
 */
import { authorizationCodeGrant } from './authorization-code.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { passwordGrant } from './password.js';
import { refreshTokenGrant } from './refresh-token.js';
import type { Grant } from './types.js';

export const grants: ReadonlyMap<string, Grant> = new Map(
  [authorizationCodeGrant, clientCredentialsGrant, passwordGrant, refreshTokenGrant].map((grant) => [grant.type, grant]),
);
