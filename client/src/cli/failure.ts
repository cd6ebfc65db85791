/**
 * Errors as the CLI reports them: an exit code per kind of trouble and a message that says what to
 * fix. The codes are documented in the README and stable.
 */
import { ConfigurationError, LoginRequiredError, OAuthError, RequestTimeoutError, TransportError, UnexpectedResponseError } from '../errors.js';

export const EXIT = {
  ok: 0,
  /** The API answered an HTTP error (call). */
  apiError: 1,
  /** Bad command line or profile. */
  usage: 2,
  /** The token endpoint refused (RFC 6749 §5.2 error) or answered nonsense. */
  oauth: 3,
  /** A user must sign in (login); also when nobody completed a login's sign-in in time, which leaves just that to do. */
  loginRequired: 4,
  /** Network, TLS or timeout. */
  transport: 5,
  /** A bug: please report it with the message. */
  unexpected: 70,
} as const;

export class UsageError extends Error {}

const OAUTH_HINTS: Record<string, string> = {
  invalid_client: 'the server does not accept the client credentials: check --client-id and --client-secret, and --auth (basic or post)',
  invalid_grant: 'the credentials or the code/refresh token were refused: check --username/--password or --api-key, or run login again',
  unauthorized_client: 'this client may not use this grant: allow it on the server (the client\'s grant_types) or choose another --grant',
  unsupported_grant_type: 'the server does not support this grant: choose another --grant',
  invalid_scope: 'ask only for scopes the client has (--scope), or leave --scope out',
  invalid_request: 'the request was malformed for this server: check --token-url, --auth and --json-token-body',
  access_denied: 'the sign-in or the consent was declined',
};

export function describeFailure(error: unknown): { code: number; message: string } {
  if (error instanceof UsageError || error instanceof ConfigurationError) return { code: EXIT.usage, message: error.message };
  if (error instanceof LoginRequiredError) return { code: EXIT.loginRequired, message: error.message };
  if (error instanceof OAuthError) {
    const hint = OAUTH_HINTS[error.error];
    // Status 0: the error came back on the sign-in's redirect; the token endpoint was not asked.
    return { code: EXIT.oauth, message: `${error.status ? 'the token endpoint refused' : 'the sign-in failed'}: ${error.message}${hint ? `\n  → ${hint}` : ''}` };
  }
  if (error instanceof UnexpectedResponseError) return { code: EXIT.oauth, message: `${error.message}\n  → check that --token-url (or --issuer) points at the token endpoint` };
  if (error instanceof RequestTimeoutError || error instanceof TransportError) return { code: EXIT.transport, message: error.message };
  return { code: EXIT.unexpected, message: `unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` };
}
