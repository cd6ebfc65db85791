// Baseline for bench/gateway.ts: the gateway with auth switched off. It runs the
// gateway's own path normalisation (src/gateway/path.ts) and Proxy.forward
// (src/gateway/proxy.ts) in the gateway's own app (proxyApp in src/gateway/server.ts:
// pino at warn, no request logging, bodies streamed through) and counts every
// answer in the gateway's metrics as the gateway does, but forwards every request
// to one upstream without looking at a token, a service table or a scope.
// Measured against the real gateway, the difference is what auth costs. Launched as its own process by
// bench/lib/peer-process.ts.
//
// Env: PORT (required), UPSTREAM (required, e.g. http://127.0.0.1:40000).
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { pino } from 'pino';

import { normalisePath, UnsafePathError } from '../../src/gateway/path.js';
import { UpstreamError, type Identity } from '../../src/gateway/proxy.js';
import { proxyApp } from '../../src/gateway/server.js';
import { FORWARDED_METHODS } from '../../src/domain/scope.js';
import { GatehouseMetrics } from '../../src/metrics/gatehouse-metrics.js';
import { countAnswer } from '../../src/metrics/http.js';
import type { Service } from '../../src/gateway/services.js';
import { LOOPBACK } from '../lib/ports.js';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set to a port number');
const upstream = process.env.UPSTREAM;
if (upstream === undefined || !/^https?:\/\//.test(upstream)) throw new Error('UPSTREAM must be set to an http(s) URL');

/** What the gateway would have found in its service table; passToken false, as a published service defaults to. */
const service: Service = { tenantId: 'default', name: 'bench', pathPrefix: '/', upstream, timeoutMs: 30_000, passToken: false, createdAt: 0, updatedAt: 0 };
/** The gateway sends the verified token's identity upstream; the same headers go here, from no token. */
const identity: Identity = { clientId: 'noauth-baseline', subject: 'noauth-baseline', scope: 'bench.read' };

const { app, proxy } = proxyApp(pino({ level: 'warn' }) as unknown as FastifyBaseLogger);
/** The gateway counts every answer in its metrics; so does the baseline, since that is not auth. */
const metrics = new GatehouseMetrics();

function problem(reply: FastifyReply, status: number, detail: string): FastifyReply {
  return reply.code(status).header('content-type', 'application/problem+json').send(JSON.stringify({ status, detail }));
}

app.setErrorHandler((error, _request, reply) => {
  if (error instanceof UpstreamError) return problem(reply, error.status, error.message);
  return problem(reply, 500, (error as Error).message);
});

app.get('/readyz', async () => ({ status: 'ready' }));

const handler = async (request: FastifyRequest, reply: FastifyReply) => {
  const raw = request.raw.url ?? '/';
  const queryAt = raw.indexOf('?');
  let normal;
  try {
    normal = normalisePath(queryAt < 0 ? raw : raw.slice(0, queryAt));
  } catch (error) {
    if (error instanceof UnsafePathError) return problem(reply, 400, error.message);
    throw error;
  }
  return proxy.forward(request, reply, service, normal.path, queryAt < 0 ? '' : raw.slice(queryAt), identity, (answered) => countAnswer(metrics, '/*', answered));
};
// The methods the gateway routes: the router's work is the same in both.
app.route({ method: [...FORWARDED_METHODS, 'TRACE'], url: '/*', handler, exposeHeadRoute: false });

await app.listen({ host: LOOPBACK, port });
console.log(`noauth-proxy listening on http://${LOOPBACK}:${port} → ${upstream}`);
