/**
 * The lazy per-request logger (src/http/request-logger.ts): a request that logs nothing makes no
 * pino child; one that logs gets a line bound to its request id, with the server's redaction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { lazyRequestLogger } from '../../src/http/request-logger.js';
import { LOG_REDACT } from '../../src/gatehouse.js';

test('a request that logs nothing makes no child logger; one that logs is bound to its request id and redacted', async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logger = pino({ level: 'info', redact: { paths: LOG_REDACT, censor: '[redacted]' } }, sink);
  let children = 0;
  const child = logger.child.bind(logger);
  logger.child = ((...args: Parameters<typeof child>) => {
    children++;
    return child(...args);
  }) as typeof logger.child;

  const app = Fastify({ loggerInstance: logger as unknown as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), childLoggerFactory: lazyRequestLogger });
  app.get('/quiet', async () => ({ ok: true }));
  app.get('/noisy', async (request) => {
    assert.equal(request.log.level, 'info');
    request.log.warn({ body: { password: 'hunter2-hunter2', detail: 'kept' } }, 'something to say');
    request.log.debug('below the level: not written');
    return { ok: true };
  });
  try {
    await app.ready();
    const atStart = children;
    assert.equal((await app.inject('/quiet')).statusCode, 200);
    assert.equal(children, atStart, 'no child logger for a request that logged nothing');
    const noisy = await app.inject('/noisy');
    assert.equal(noisy.statusCode, 200);
    assert.equal(children, atStart + 1);
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.equal(lines[0]!.msg, 'something to say');
    assert.deepEqual(lines[0]!.body, { password: '[redacted]', detail: 'kept' });
    assert.equal(typeof lines[0]!.reqId, 'string', 'bound to the request id');
  } finally {
    await app.close();
  }
});
