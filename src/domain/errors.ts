/**
 * Errors of the management layer (clients, scopes, tokens ...), independent of any protocol:
 * the admin API renders them as RFC 9457 problems, registration as RFC 7591 errors.
 */
export interface FieldError {
  field: string;
  message: string;
}

/** How a field error names a nested field: `lockout.max_wait_s`, `redirect_uris[1]`. */
export function fieldPath(segments: readonly string[]): string {
  return segments.reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment), '');
}

export class ValidationError extends Error {
  constructor(
    readonly errors: FieldError[],
    /** The RFC 7591 §3.2.2 code, where the error comes from client metadata. */
    readonly oauthCode: 'invalid_client_metadata' | 'invalid_redirect_uri' = 'invalid_client_metadata',
  ) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  }

  static field(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

export class NotFoundError extends Error {}

export class ConflictError extends Error {}
