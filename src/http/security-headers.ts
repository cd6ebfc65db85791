/** Headers every response carries: no sniffing, no framing, no referrer leaks, HSTS behind https. */
import type { FastifyInstance } from 'fastify';

export function securityHeaders(app: FastifyInstance, httpsIssuer: boolean): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    if (httpsIssuer) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    return payload;
  });
}
