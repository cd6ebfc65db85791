/**
 * UserInfo (OpenID Connect Core §5.3) and GAM's alias: the signed-in user's claims, by scope.
 * OpenID scopes give the standard claims; GAM's scopes (seed 004) give GAM's names.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';
import type { User } from '../../core/users.js';
import { bearerToken } from '../bearer.js';
import { bearerError, missingToken } from '../errors.js';
import { TokenRejected } from '../token-verifier.js';

/** OpenID Connect Core §5.3.2: a claim the user does not have is omitted, never null or empty. */
function present(claims: Record<string, string | boolean | null | undefined>): Record<string, string | boolean> {
  return Object.fromEntries(Object.entries(claims).filter((entry): entry is [string, string | boolean] => entry[1] !== null && entry[1] !== undefined && entry[1] !== ''));
}

export function claimsFor(user: User, scopes: string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: user.id };
  const has = (scope: string) => scopes.includes(scope);
  if (has('profile')) {
    const name = [user.givenName, user.familyName].filter(Boolean).join(' ');
    Object.assign(claims, present({ preferred_username: user.username, given_name: user.givenName, family_name: user.familyName, name }));
  }
  // email_verified says something about the email, so it goes only with one.
  if (has('email') && user.email) Object.assign(claims, { email: user.email, email_verified: user.emailVerified });
  if (has('user_email')) Object.assign(claims, { email: user.email, verified_email: user.emailVerified });
  if (has('user_first_name')) claims.first_name = user.givenName;
  if (has('user_external_id')) claims.external_id = user.externalId;
  return claims;
}

export function userinfoEndpoint(app: FastifyInstance, gh: Gatehouse): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store');
    const tenant = request.tenant;
    const realm = tenant.issuer;
    const { compat } = tenant.tenant.settings;
    const token = bearerToken(request, realm, compat.oauth_scheme, compat.gam && request.routeOptions.url?.endsWith('/oauth/gam/v2.0/userinfo'));
    if (!token) throw missingToken(realm, 'an access token is required');
    let verified;
    try {
      verified = await gh.tokenVerifier.verify(token, tenant);
    } catch (error) {
      if (error instanceof TokenRejected) throw bearerError('invalid_token', error.message, realm);
      throw error;
    }
    const { claims } = verified;
    if (claims.sub === claims.client_id) throw bearerError('invalid_token', 'this token was issued to a client, not for a user', realm);
    const user = await gh.users.get(tenant.tenant.id, claims.sub);
    if (!user) throw bearerError('invalid_token', 'the token’s user no longer exists', realm);
    return claimsFor(user, verified.scopes);
  };
  for (const path of ['/oauth/userinfo', '/oauth/gam/v2.0/userinfo']) {
    app.get(path, handler);
    app.post(path, handler);
  }
}
