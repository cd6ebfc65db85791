/**
 * The resource-server library as a fastify plugin: every route of the context that registers it
 * is protected; the verified token is on `request.gatehouse`.
 */
import type { FastifyInstance } from 'fastify';
import { ResourceServerError } from './errors.js';
import type { ResourceServer, VerifiedRequest } from './index.js';

declare module 'fastify' {
  interface FastifyRequest {
    gatehouse: VerifiedRequest | null;
  }
}

export async function gatehousePlugin(app: FastifyInstance, { resourceServer }: { resourceServer: ResourceServer }): Promise<void> {
  app.decorateRequest('gatehouse', null);
  app.addHook('onRequest', async (request, reply) => {
    try {
      request.gatehouse = await resourceServer.verifyRequest({ method: request.method, url: request.url, headers: request.headers, rawHeaders: request.raw.rawHeaders });
    } catch (error) {
      if (!(error instanceof ResourceServerError)) throw error;
      if (error.wwwAuthenticate) reply.header('www-authenticate', error.wwwAuthenticate);
      return reply.code(error.status).header('content-type', 'application/problem+json').send(JSON.stringify(error.problem()));
    }
  });
}

// Like fastify-plugin: the hook must apply to the routes of the registering context, not only
// to routes declared inside this plugin.
Object.assign(gatehousePlugin, { [Symbol.for('skip-override')]: true });
