/**
 * The one error type of the OAuth protocol (DESIGN.md §2.7): thrown anywhere, rendered in one
 * place (oauth/render-error.ts) as RFC 6749 §5.2 JSON with the status and headers fixed here,
 * never chosen at the call site.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'invalid_client_metadata'
  | 'invalid_redirect_uri'
  | 'login_required'
  | 'consent_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'temporarily_unavailable'
  | 'server_error';

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  access_denied: 403,
  unsupported_response_type: 400,
  invalid_client_metadata: 400,
  invalid_redirect_uri: 400,
  login_required: 400,
  consent_required: 400,
  request_not_supported: 400,
  request_uri_not_supported: 400,
  temporarily_unavailable: 503,
  server_error: 500,
};

export class OAuthError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    options: { headers?: Record<string, string>; status?: number } = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
    this.status = options.status ?? STATUS[error];
    this.headers = options.headers ?? {};
  }

  toJSON(): Record<string, string> {
    return { error: this.error, error_description: this.description };
  }
}

export const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
export const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);
export const invalidScope = (description: string) => new OAuthError('invalid_scope', description);
export const unauthorizedClient = (description: string) => new OAuthError('unauthorized_client', description);

/** RFC 6749 §5.2: 401, with a Basic challenge when the client tried Basic authentication. */
export function invalidClient(description: string, triedBasic: boolean): OAuthError {
  return new OAuthError('invalid_client', description, triedBasic ? { headers: { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' } } : {});
}

/** RFC 6750 §3: a bearer challenge for protected resources (admin API, userinfo, registration). */
export function bearerError(code: 'invalid_token' | 'insufficient_scope' | 'invalid_request', description: string, realm: string, scope?: string): OAuthError {
  // RFC 6750 §3: error_description is printable ASCII without `"` and `\` (Node also refuses
  // other characters in a header, which would turn the 401 into a 500).
  const safe = description.replace(/\u2019/g, "'").replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '');
  const parts = [`realm="${realm}"`, `error="${code}"`, `error_description="${safe}"`];
  if (scope) parts.push(`scope="${scope}"`);
  return new OAuthError(code, description, { headers: { 'www-authenticate': `Bearer ${parts.join(', ')}` } });
}

/** RFC 6750 §3.1: a request without a token gets a bare challenge, without an error code in it. */
export function missingToken(realm: string, description: string): OAuthError {
  return new OAuthError('invalid_token', description, { headers: { 'www-authenticate': `Bearer realm="${realm}"` } });
}

export const temporarilyUnavailable = () =>
  new OAuthError('temporarily_unavailable', 'the authorization server cannot reach its store right now; retry shortly', { headers: { 'retry-after': '1' } });
