/**
 * A token response as the client keeps it, and when it stops being usable.
 *
 * The rule for a token whose response has no usable `expires_in` (absent, 0 as GAM's v2.0
 * endpoints send, or not a positive number): it expires after `assumedLifetimeSeconds` when that
 * option is set; otherwise it is used until the API answers 401 `invalid_token`, which renews it
 * once and retries. The token is never decoded to guess its lifetime: an access token is opaque to
 * its client (RFC 6749 §1.4).
 */
export interface TokenSet {
  accessToken: string;
  /** As the server sent it (`Bearer`, `bearer`, ...); the scheme used on the API is an option of its own. */
  tokenType: string;
  /** Epoch milliseconds when the response arrived. */
  receivedAt: number;
  /** Epoch milliseconds; undefined = unknown (see the rule above). */
  expiresAt?: number;
  refreshToken?: string;
  idToken?: string;
  /** The scope granted, when the server said. */
  scope?: string;
  /** Set when the API refused the access token: it must not be used again, its refresh token may. */
  rejected?: boolean;
}

export function tokenSetFromResponse(body: Record<string, unknown>, receivedAt: number, assumedLifetimeSeconds?: number): TokenSet {
  const expiresIn = typeof body.expires_in === 'string' ? Number(body.expires_in) : body.expires_in;
  const lifetime = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : assumedLifetimeSeconds;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const set: TokenSet = { accessToken: body.access_token as string, tokenType: text(body.token_type) ?? 'Bearer', receivedAt };
  if (lifetime !== undefined) set.expiresAt = receivedAt + lifetime * 1000;
  // GAM answers `refresh_token: ""` when it issues none (seed 004): that is no refresh token.
  const refreshToken = text(body.refresh_token);
  if (refreshToken) set.refreshToken = refreshToken;
  const idToken = text(body.id_token);
  if (idToken) set.idToken = idToken;
  const scope = text(body.scope);
  if (scope) set.scope = scope;
  return set;
}

/**
 * Usable = not refused by the API and not within `marginMs` of its expiry. The margin is capped at
 * half the token's lifetime, so a token living less than twice the margin is still reused.
 */
export function isUsable(set: TokenSet, now: number, marginMs: number): boolean {
  if (set.rejected) return false;
  if (set.expiresAt === undefined) return true;
  const margin = Math.min(marginMs, (set.expiresAt - set.receivedAt) / 2);
  return now < set.expiresAt - margin;
}
