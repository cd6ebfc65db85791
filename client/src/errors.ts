/**
 * What can go wrong, as types a caller can branch on. Each message says what to check, because
 * these messages are also what the CLI prints.
 */

/** Which side of the call failed: the token service or the API being called (seed 000 keeps them apart). */
export type Target = 'token endpoint' | 'API';

/** An RFC 6749 §5.2 error answer from the token endpoint (or the authorization endpoint's redirect). */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly error: string,
    readonly errorDescription: string | undefined,
    /** HTTP status of the token response; 0 when the error came back on the redirect URI. */
    readonly status: number,
    readonly errorUri?: string,
  ) {
    super(`${error}${errorDescription ? `: ${errorDescription}` : ''}${status ? ` (HTTP ${status})` : ''}`);
  }
}

/** The token endpoint answered something that is neither a token nor an RFC 6749 §5.2 error. */
export class UnexpectedResponseError extends Error {
  override readonly name = 'UnexpectedResponseError';
  constructor(
    readonly target: Target,
    readonly status: number,
    /** The body's first 300 characters, with tokens and secrets masked as onExchange shows them. */
    readonly bodyExcerpt: string,
    detail: string,
  ) {
    super(`the ${target} answered HTTP ${status} with ${detail}: ${bodyExcerpt || '(empty body)'}`);
  }
}

/**
 * No answer within the configured timeout of that side. `subject` names what was asked when it
 * is not the side itself (discovery runs on the token side, but asks for the issuer's metadata).
 */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor(
    readonly target: Target,
    readonly url: string,
    readonly timeoutMs: number,
    subject = `the ${target}`,
  ) {
    super(`${subject} (${url}) did not answer within ${timeoutMs} ms; raise the ${target} timeout or check that the server is up`);
  }
}

/** The connection failed: refused, DNS, TLS verification, proxy. `code` is Node's error code; `subject` as for RequestTimeoutError. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly target: Target,
    readonly url: string,
    readonly code: string | undefined,
    cause: unknown,
    subject = `the ${target}`,
  ) {
    super(`could not reach ${subject} (${url}): ${describeCause(cause)}${hintFor(code, target)}`, { cause });
  }
}

/** A token can only be had by a user signing in again (no usable refresh token, or it was refused). */
export class LoginRequiredError extends Error {
  override readonly name = 'LoginRequiredError';
  constructor(reason: string, cause?: unknown) {
    super(`${reason}; a user must sign in (loopbackLogin, or: gatehouse-call login)`, cause === undefined ? undefined : { cause });
  }
}

/** The client was configured inconsistently; the message names the option. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause;
    return inner instanceof Error && inner.message !== cause.message ? `${cause.message} (${inner.message})` : cause.message;
  }
  return String(cause);
}

const TLS_CODES = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);

function hintFor(code: string | undefined, target: Target): string {
  const side = target === 'API' ? 'api' : 'token';
  if (code && TLS_CODES.has(code)) return `; the server's certificate is not trusted: configure the CA that issued it (transport.${side}.ca, CLI --${side}-ca)`;
  if (code === 'ECONNREFUSED') return '; nothing listens there: check the URL and port';
  if (code === 'ENOTFOUND') return '; the host name does not resolve: check the URL';
  return '';
}
