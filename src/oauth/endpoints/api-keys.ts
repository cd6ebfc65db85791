/**
 * Self-service API keys: a signed-in user (a user-bound access token of this tenant) generates,
 * lists and deletes their own keys — the seed's "GENERATE" button, as an API.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';
import { bearerToken } from '../bearer.js';
import { OAuthError, bearerError, missingToken, invalidRequest } from '../errors.js';
import { TokenRejected } from '../token-verifier.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import type { Actor } from '../../domain/actor.js';
import { apiKeyPage } from '../../admin/api-keys.js';
import type { PageQuery } from '../../admin/pagination.js';

export function apiKeyEndpoints(app: FastifyInstance, gh: Gatehouse): void {
  async function signedInUser(request: FastifyRequest): Promise<Actor & { userId: string }> {
    const tenant = request.tenant;
    const token = bearerToken(request, tenant.issuer, tenant.tenant.settings.compat.oauth_scheme);
    if (!token) throw missingToken(tenant.issuer, 'a user’s access token is required');
    try {
      const { claims } = await gh.tokenVerifier.verify(token, tenant);
      if (claims.sub === claims.client_id) throw bearerError('invalid_token', 'this token was issued to a client, not for a user', tenant.issuer);
      return { id: claims.sub, source: request.ip, userId: claims.sub };
    } catch (error) {
      if (error instanceof TokenRejected) throw bearerError('invalid_token', error.message, tenant.issuer);
      throw error;
    }
  }

  /** Management errors in the endpoint's own (OAuth JSON) shape. */
  function asOAuth(error: unknown): unknown {
    if (error instanceof ValidationError) return invalidRequest(error.message);
    if (error instanceof NotFoundError) return new OAuthError('invalid_request', error.message, { status: 404 });
    return error;
  }

  app.get<{ Querystring: PageQuery }>('/oauth/api-keys', async (request) => {
    const user = await signedInUser(request);
    try {
      return await apiKeyPage(gh, request.tenant.tenant.id, user.userId, request.query);
    } catch (error) {
      throw asOAuth(error);
    }
  });

  app.post('/oauth/api-keys', async (request, reply) => {
    const user = await signedInUser(request);
    try {
      const { row, apiKey } = await gh.apiKeys.create(request.tenant.tenant.id, user.userId, (request.body ?? {}) as Record<string, unknown>, user);
      return reply.code(201).header('cache-control', 'no-store').send({ id: row.id, api_key: apiKey, expires_at: row.expires_at, scope: row.scope });
    } catch (error) {
      throw asOAuth(error);
    }
  });

  app.delete<{ Params: { id: string } }>('/oauth/api-keys/:id', async (request, reply) => {
    const user = await signedInUser(request);
    try {
      await gh.apiKeys.delete(request.tenant.tenant.id, user.userId, request.params.id, user);
    } catch (error) {
      throw asOAuth(error);
    }
    return reply.code(204).send();
  });
}
