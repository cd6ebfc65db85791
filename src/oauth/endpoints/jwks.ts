/** The tenant's public signing keys (RFC 7517), including a rotated key before it signs and a retired one until its tokens expire. */
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';

export function jwksEndpoint(app: FastifyInstance, gh: Gatehouse): void {
  app.get('/oauth/jwks', async (request, reply) => {
    const body = await gh.keys.jwksJson(request.tenant.tenant.id);
    // Short caching: verifiers also refetch on an unknown kid, which is how they learn of rotations.
    return reply.header('content-type', 'application/jwk-set+json').header('cache-control', 'public, max-age=60').send(body);
  });
}
