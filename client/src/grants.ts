/**
 * How the client obtains its first token. The grant decides the request parameters and the
 * subject part of the cache key (who the token acts for), and whether the client may run it
 * again unattended when a refresh is refused.
 */
import { createHash } from 'node:crypto';

export type Grant =
  | { type: 'client_credentials' }
  | { type: 'password'; username: string; password: string }
  /**
   * GAM's API-key exchange (seed 004): grant_type=password, authentication_type_name (the server's
   * API-key authentication type, `apikey` unless `authType` names another), api_key.
   */
  | { type: 'api_key'; apiKey: string; authType?: string }
  /** Tokens come from a sign-in (OAuthClient.exchangeCode, or the CLI's login); `subject` names that session in the cache. */
  | { type: 'authorization_code'; subject?: string }
  /** Start from a refresh token obtained elsewhere. */
  | { type: 'refresh_token'; refreshToken: string };

/** A digest, so a secret never becomes part of a cache key that might be logged or persisted. */
const fingerprint = (secret: string) => createHash('sha256').update(secret).digest('base64url').slice(0, 16);

export function grantSubject(grant: Grant): string {
  switch (grant.type) {
    case 'client_credentials':
      return '';
    case 'password':
      return `user:${grant.username}`;
    case 'api_key':
      return `apikey:${fingerprint(grant.apiKey)}`;
    case 'authorization_code':
      return `login:${grant.subject ?? 'default'}`;
    case 'refresh_token':
      return `refresh:${fingerprint(grant.refreshToken)}`;
  }
}

/**
 * The parameters of the grant's own token request, or undefined when it cannot be repeated
 * without the user (authorization_code: a new code needs a new sign-in).
 */
export function grantParameters(grant: Grant, scope: string | undefined): Record<string, string> | undefined {
  const withScope = (params: Record<string, string>) => (scope ? { ...params, scope } : params);
  switch (grant.type) {
    case 'client_credentials':
      return withScope({ grant_type: 'client_credentials' });
    case 'password':
      return withScope({ grant_type: 'password', username: grant.username, password: grant.password });
    case 'api_key':
      return withScope({ grant_type: 'password', authentication_type_name: grant.authType ?? 'apikey', api_key: grant.apiKey });
    case 'refresh_token':
      return withScope({ grant_type: 'refresh_token', refresh_token: grant.refreshToken });
    case 'authorization_code':
      return undefined;
  }
}
