/**
 * What a failed forward tells the caller, and whether an operator must hear of it. A timeout is a
 * 504, and an upstream that is down, unknown or drops the connection a 502 "could not be reached":
 * routine outages, counted in the metrics rather than logged on every request. Anything else —
 * undici refusing the request, an answer that is not HTTP — is a defect here or upstream: a 502
 * that says what happened, logged at error level (Proxy.forward), never passed off as an outage.
 */
import { errors } from 'undici';

export class UpstreamError extends Error {
  constructor(
    readonly status: 502 | 504,
    message: string,
    /** Not a routine outage: the operator must hear of it. */
    readonly unexpected = false,
  ) {
    super(message);
  }
}

/** Failing to connect, or losing the connection: undici's own errors, or Node's system errors (ECONNREFUSED, ENOTFOUND, ...). */
function isConnectionFailure(error: unknown): boolean {
  return error instanceof errors.ConnectTimeoutError || error instanceof errors.SocketError || (error instanceof Error && 'syscall' in error);
}

export function upstreamFailure(error: unknown, service: string, timeoutMs: number): UpstreamError {
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) return new UpstreamError(504, `the upstream of ${service} did not answer within ${timeoutMs} ms`);
  if (isConnectionFailure(error)) return new UpstreamError(502, `the upstream of ${service} could not be reached`);
  if (error instanceof errors.HTTPParserError) return new UpstreamError(502, `the upstream of ${service} answered with a response that is not valid HTTP/1.1`, true);
  if (error instanceof errors.HeadersOverflowError) return new UpstreamError(502, `the upstream of ${service} answered with headers larger than the gateway accepts`, true);
  return new UpstreamError(502, `the gateway could not forward the request to the upstream of ${service}`, true);
}
