/**
 * Requests refused on the gateway port before fastify routes them, answered in problem JSON rather
 * than fastify's or Node's own shapes (or, for CONNECT, a closed connection with no answer at all):
 * requests Node's HTTP parser rejects, an unknown method among them, and CONNECT, which Node hands
 * to a `connect` listener instead of the request handler.
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyServerOptions } from 'fastify';
import { methodRefused } from './methods.js';
import { problemResponse, type Problem } from './problem.js';

type ClientErrorHandler = NonNullable<FastifyServerOptions['clientErrorHandler']>;

function parseFailure(code: string | undefined): Problem {
  switch (code) {
    // RFC 9110 §9.1: an unrecognised method is 501, not a malformed request.
    case 'HPE_INVALID_METHOD':
      return { status: 501, title: 'Not implemented', detail: 'the gateway does not know the request method' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, title: 'Request header fields too large', detail: 'the request headers exceed the size the gateway accepts' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, title: 'Request timeout', detail: 'the request was not received in time' };
    default:
      return { status: 400, title: 'Bad request', detail: 'the request is not valid HTTP/1.1' };
  }
}

/**
 * Answers and closes once the answer is written: Node no longer watches these sockets (no HTTP
 * timeouts), so one left half-open would hold the server's shutdown until the caller hung up.
 */
function answerAndClose(socket: Duplex, problem: Problem): void {
  if (socket.writable) socket.end(problemResponse(problem), () => socket.destroy());
  else socket.destroy();
}

/** Fastify's `clientErrorHandler`: fastify's default answers in its own JSON. */
export const answerUnparsedRequest: ClientErrorHandler = (error, socket) => {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  answerAndClose(socket, parseFailure(error.code));
};

export function refuseConnect(server: Server): void {
  server.on('connect', (_request, socket: Duplex) => answerAndClose(socket, methodRefused('CONNECT')));
}
