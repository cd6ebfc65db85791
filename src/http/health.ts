/** GET /healthz: the process answers. GET /readyz: the store answers and keys are loaded. */
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { DEFAULT_TENANT_ID } from '../domain/tenant.js';

export function healthRoutes(app: FastifyInstance, gh: Gatehouse, isDraining: () => boolean): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (isDraining()) return reply.code(503).send({ status: 'draining' });
    try {
      await gh.store.ping();
      await gh.keys.signingKey(DEFAULT_TENANT_ID);
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'the store is not reachable' });
    }
  });
}
