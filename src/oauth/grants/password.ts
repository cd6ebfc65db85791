/**
 * RFC 6749 §4.3, for confidential clients that list `password` (RFC 9700 §2.4 discourages it; it
 * is never on by default). Every password check passes the lockout, and unknown user, wrong
 * password, locked and disabled accounts answer with the same status and body.
 */
import { isConfidential } from '../../domain/client.js';
import { invalidGrant, invalidRequest, invalidScope, unauthorizedClient } from '../errors.js';
import { grantedScopes } from '../scopes.js';
import { clientMayRefresh, scopesForUser } from '../user-tokens.js';
import { randomId } from '../../crypto/random.js';
import { nowS } from '../../domain/time.js';
import type { Grant, TokenRequestContext, TokenResponse } from './types.js';
import { signInEvent } from '../../core/sign-in-audit.js';

export const passwordGrant: Grant = {
  type: 'password',
  async handle({ tenant, client, params, services, source }: TokenRequestContext): Promise<TokenResponse> {
    if (!isConfidential(client)) throw unauthorizedClient('the password grant requires a confidential client');
    if (params.username === undefined || params.password === undefined) throw invalidRequest('username and password are required');
    const wanted = grantedScopes(params.scope, client.scopes);
    const user = await services.users.checkPassword(tenant.tenant, params.username, params.password);
    if (!user) {
      await services.store.audit.append(signInEvent(tenant.tenant.id, undefined, params.username, client.clientId, source));
      throw invalidGrant('the username or password is incorrect');
    }
    const scopes = scopesForUser(wanted, user, await services.scopes.byName(tenant.tenant.id));
    // A token for nothing is no answer to a request for something (the consent page denies alike).
    if (wanted.length > 0 && scopes.length === 0) throw invalidScope('the user holds none of the roles the requested scopes are restricted to');
    const authTime = nowS();
    const familyId = randomId();
    const minted = await services.userTokens.mint({ tenant, client, user, scopes, grantType: 'password', familyId, authTime, withRefreshToken: clientMayRefresh(client) });
    const response = await services.feed.write(async (tx) => {
      await services.userTokens.startFamily(tx, tenant, client, user, { id: familyId, authTime, scopes });
      await tx.audit.append(signInEvent(tenant.tenant.id, user, params.username!, client.clientId, source));
      return services.userTokens.record(tx, minted);
    });
    // GAM's clients read the signed-in user's id from the answer (seed 004), as API-key exchanges give it.
    return { ...response, user_guid: user.id };
  },
};
