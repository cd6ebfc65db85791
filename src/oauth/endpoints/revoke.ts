/**
 * RFC 7009 revocation of access and refresh tokens. The caller authenticates; a token of another
 * client (or unknown, or already invalid) answers 200 and changes nothing (§2.2), so the endpoint
 * reveals nothing.
 */
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';
import { invalidRequest } from '../errors.js';
import { formBody, refuseCredentialsInQuery, singleValued } from '../params.js';
import { presentedCredentials } from '../client-auth.js';
import { TokenRejected } from '../token-verifier.js';
import { REFRESH_TOKEN_PREFIX } from '../user-tokens.js';

export function revocationEndpoint(app: FastifyInstance, gh: Gatehouse): void {
  app.post('/oauth/revoke', async (request, reply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    refuseCredentialsInQuery(singleValued(request.query, 'query string'));
    const tenant = request.tenant;
    const params = formBody(request, tenant.tenant.settings.compat.json_token_body);
    const caller = await gh.clientAuth.authenticate(tenant.tenant.id, presentedCredentials(request, params));
    if (!params.token) throw invalidRequest('token is required');
    const actor = { id: caller.clientId, source: request.ip };
    if (params.token.startsWith(REFRESH_TOKEN_PREFIX)) {
      // RFC 7009 §2.1: revoking a refresh token also invalidates the access tokens of its grant.
      const row = await gh.store.grants.getRefresh(gh.userTokens.storageKeys(params.token));
      if (row && row.tenant_id === tenant.tenant.id && row.client_id === caller.clientId) {
        await gh.tokenAdmin.revokeFamily(tenant.tenant.id, row.family_id, 'refresh token revoked by its client', actor);
      }
      return reply.code(200).send();
    }
    try {
      const { claims } = await gh.tokenVerifier.verify(params.token, tenant);
      if (claims.client_id === caller.clientId) {
        await gh.tokenAdmin.revoke(tenant.tenant.id, [claims.jti], 'revoked by its client', actor);
      }
    } catch (error) {
      if (!(error instanceof TokenRejected)) throw error;
    }
    return reply.code(200).send();
  });
}
