/** A refusal in RFC 6750 terms: status, the WWW-Authenticate challenge, and an RFC 9457 body. */
export class ResourceServerError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 503,
    readonly wwwAuthenticate: string | undefined,
    message: string,
  ) {
    super(message);
  }

  problem(): Record<string, unknown> {
    return { type: 'urn:gatehouse:problem:refused', title: this.status === 403 ? 'Forbidden' : this.status === 401 ? 'Unauthorized' : 'Refused', status: this.status, detail: this.message };
  }
}
