/**
 * The gateway's one error format, RFC 9457 problem JSON: for the answers fastify sends through the
 * gateway's handlers and for those written below fastify, on Node's response or the bare socket
 * (protocol-refusals.ts), so a caller never meets a second shape.
 */
import type { FastifyReply } from 'fastify';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { problemType } from '../http/problem-names.js';

export interface Problem {
  status: number;
  title: string;
  detail: string;
  headers?: Record<string, string>;
}

function body({ status, title, detail }: Problem): string {
  return JSON.stringify({ type: problemType(title), title, status, detail });
}

function headers(problem: Problem): Record<string, string> {
  return { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...problem.headers };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).headers(headers(problem)).send(body(problem));
}

/** On Node's own response object, for a request Node answers before fastify sees it. */
export function endWithProblem(res: ServerResponse, problem: Problem): void {
  const text = body(problem);
  res.writeHead(problem.status, { ...headers(problem), 'content-length': Buffer.byteLength(text), connection: 'close' }).end(text);
}

/**
 * A whole HTTP/1.1 response, for a socket no response object stands for (a request that did not
 * parse, CONNECT). It closes the connection: what follows on it cannot be trusted to be a request.
 */
export function problemResponse(problem: Problem): string {
  const text = body(problem);
  const fields = { ...headers(problem), 'content-length': String(Buffer.byteLength(text)), connection: 'close' };
  const head = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n${head}\r\n${text}`;
}
