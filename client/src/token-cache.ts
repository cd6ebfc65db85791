/**
 * Tokens by (token URL, client, scope, subject, credentials), with single-flight renewal: while one renewal of
 * a key is under way, every other caller wanting that key waits for its result instead of sending
 * a request of its own. Share one cache between clients to share their tokens; by default each
 * OAuthClient has its own.
 */
import type { TokenSet } from './token-set.js';

export interface CacheKeyParts {
  tokenUrl: string;
  clientId: string;
  scope: string;
  subject: string;
  /** A fingerprint of the client secret and the grant's password (credentials.ts), never the secrets. */
  credentials: string;
}

export const cacheKey = (parts: CacheKeyParts): string => JSON.stringify([parts.tokenUrl, parts.clientId, parts.scope, parts.subject, parts.credentials]);

export class TokenCache {
  private readonly entries = new Map<string, TokenSet>();
  private readonly renewals = new Map<string, Promise<TokenSet>>();

  get(key: string): TokenSet | undefined {
    return this.entries.get(key);
  }

  set(key: string, set: TokenSet): void {
    this.entries.set(key, set);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /**
   * The cached set when `usable` says so; otherwise the result of the renewal under way, or of a
   * new one started with the current set (whose refresh token it may use).
   */
  obtain(key: string, usable: (set: TokenSet) => boolean, renew: (current: TokenSet | undefined) => Promise<TokenSet>): Promise<TokenSet> {
    const current = this.entries.get(key);
    if (current && usable(current)) return Promise.resolve(current);
    let renewal = this.renewals.get(key);
    if (!renewal) {
      renewal = renew(current)
        .then((set) => {
          this.entries.set(key, set);
          return set;
        })
        .finally(() => this.renewals.delete(key));
      this.renewals.set(key, renewal);
    }
    return renewal;
  }

  /** Marks the access token as refused by the API, unless a newer one has replaced it meanwhile. */
  reject(key: string, accessToken: string): void {
    const current = this.entries.get(key);
    if (current?.accessToken === accessToken) this.entries.set(key, { ...current, rejected: true });
  }
}
