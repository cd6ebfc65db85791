/**
 * Request counts and latencies of a fastify app, and the /metrics listener: a separate port
 * (GATEHOUSE_METRICS_PORT) so the scrape endpoint is never exposed where the OAuth endpoints are.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { GatehouseMetrics } from './gatehouse-metrics.js';
import { listenError } from '../config.js';

/**
 * Counts every answered request by its route pattern (`/t/:tenant/oauth/token`), never its raw URL.
 * The gateway counts in its route instead (countAnswer): a proxy streams its bodies, and a hook
 * that watches every response for its end is a cost it need not pay.
 */
export function instrumentRequests(app: FastifyInstance, metrics: GatehouseMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    countAnswer(metrics, request.routeOptions.url ?? 'unmatched', reply);
    done();
  });
}

/** One answer of `route`: its status, and the time taken until then. */
export function countAnswer(metrics: GatehouseMetrics, route: string, reply: FastifyReply): void {
  metrics.requests.inc({ route, method: reply.request.method, status: String(reply.statusCode) });
  metrics.latency.observe({ route }, reply.elapsedTime / 1000);
}

/**
 * Serves `GET /metrics` alongside `app` on `host:port`, opened when the app gets ready (so a taken
 * port stops the start, as a taken PORT does) and closed with it.
 */
export function serveMetricsWith(app: FastifyInstance, metrics: GatehouseMetrics, host: string, port: number): void {
  let server: FastifyInstance | undefined;
  app.addHook('onReady', async () => {
    server = Fastify({ logger: false });
    server.get('/metrics', async (_request, reply) => reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(metrics.registry.render()));
    await server.listen({ host, port }).catch((error: unknown) => {
      throw listenError(error, host, port, 'GATEHOUSE_METRICS_PORT');
    });
  });
  app.addHook('onClose', async () => {
    await server?.close();
  });
}
