/**
 * RFC 7662 introspection of access tokens and (refresh-introspection.ts) refresh tokens. Callers
 * are the tenant's authenticated confidential clients; anything not active in this tenant
 * (unknown, expired, revoked, another tenant's) is exactly {"active":false}. The store is
 * consulted, so a revocation made on another node is seen even before its event arrives here.
 */
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';
import { isConfidential } from '../../domain/client.js';
import { invalidClient, invalidRequest } from '../errors.js';
import { formBody, refuseCredentialsInQuery, singleValued } from '../params.js';
import { presentedCredentials } from '../client-auth.js';
import { TokenRejected } from '../token-verifier.js';
import { introspectRefreshToken, looksLikeRefreshToken } from '../refresh-introspection.js';
import { limitClient } from '../../ratelimit/guards.js';

export function introspectionEndpoint(app: FastifyInstance, gh: Gatehouse): void {
  app.post('/oauth/introspect', async (request, reply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    refuseCredentialsInQuery(singleValued(request.query, 'query string'));
    const tenant = request.tenant;
    const params = formBody(request, tenant.tenant.settings.compat.json_token_body);
    const presented = presentedCredentials(request, params);
    await limitClient(gh, tenant, 'introspect_client', presented.clientId, request.ip);
    const caller = await gh.clientAuth.authenticate(tenant.tenant.id, presented);
    if (!isConfidential(caller)) throw invalidClient('introspection is for confidential clients', presented.method === 'client_secret_basic');
    if (!params.token) throw invalidRequest('token is required');

    const inactive = { active: false };
    if (looksLikeRefreshToken(params.token)) return (await introspectRefreshToken(gh, tenant, params.token)) ?? inactive;
    let verified;
    try {
      verified = await gh.tokenVerifier.verify(params.token, tenant);
    } catch (error) {
      if (error instanceof TokenRejected) return inactive;
      throw error;
    }
    const row = await gh.store.tokens.get(verified.claims.jti);
    if (!row || row.revoked_at !== null || row.tenant_id !== verified.tenantId) return inactive;
    const { claims } = verified;
    return {
      active: true,
      // What the token carries now: a role-restricted scope whose role the user lost is gone.
      scope: claims.scope,
      client_id: claims.client_id,
      sub: claims.sub,
      aud: claims.aud,
      iss: claims.iss,
      exp: claims.exp,
      iat: claims.iat,
      jti: claims.jti,
      token_type: 'Bearer',
    };
  });
}
