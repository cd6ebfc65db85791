/**
 * Many HTTP clients send `Content-Type: application/json` on every request: a DELETE without a
 * body (admin API, RFC 7592) or a `POST …/secret` is no malformed JSON, wherever it is sent.
 * Operations that need a body still refuse a missing one, through their schema or their own check.
 */
import type { FastifyInstance } from 'fastify';

export function acceptEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text === '') return done(null, undefined);
    parseJson(request, text, done);
  });
}
