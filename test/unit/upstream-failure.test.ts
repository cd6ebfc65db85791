/**
 * How the gateway reads a failed forward (src/gateway/upstream-failure.ts): outages are told as
 * such and not logged; anything else is never passed off as "could not be reached".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from 'undici';
import { upstreamFailure } from '../../src/gateway/upstream-failure.js';

/** A Node system error, as net.connect and dns.lookup raise them. */
function systemError(code: string, syscall: string): Error {
  return Object.assign(new Error(`${syscall} ${code}`), { code, syscall, errno: -1 });
}

test('timeouts → 504; connection failures → 502 "could not be reached", routine (not logged)', () => {
  for (const error of [new errors.HeadersTimeoutError(), new errors.BodyTimeoutError()]) {
    const failure = upstreamFailure(error, 'orders', 300);
    assert.equal(failure.status, 504, error.name);
    assert.match(failure.message, /orders did not answer within 300 ms/);
    assert.equal(failure.unexpected, false);
  }
  for (const error of [new errors.ConnectTimeoutError(), new errors.SocketError('other side closed'), systemError('ECONNREFUSED', 'connect'), systemError('ENOTFOUND', 'getaddrinfo')]) {
    const failure = upstreamFailure(error, 'orders', 300);
    assert.equal(failure.status, 502, error.message);
    assert.equal(failure.message, 'the upstream of orders could not be reached');
    assert.equal(failure.unexpected, false, error.message);
  }
});

test('undici refusing the request, or an answer that is not HTTP → 502 saying what happened, to be logged', () => {
  const cases: [Error, RegExp][] = [
    [new errors.NotSupportedError('expect header not supported'), /could not forward the request to the upstream of orders/],
    [new errors.InvalidArgumentError('invalid header'), /could not forward the request to the upstream of orders/],
    [new errors.HTTPParserError('Response does not match the HTTP/1.1 protocol'), /orders answered with a response that is not valid HTTP/],
    [new errors.HeadersOverflowError(), /orders answered with headers larger than the gateway accepts/],
    [new TypeError('a bug'), /could not forward the request/],
  ];
  for (const [error, detail] of cases) {
    const failure = upstreamFailure(error, 'orders', 300);
    assert.equal(failure.status, 502, error.message);
    assert.match(failure.message, detail);
    assert.doesNotMatch(failure.message, /could not be reached/);
    assert.equal(failure.unexpected, true, error.message);
  }
});
