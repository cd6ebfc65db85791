/** Resolving the `scope` parameter of a token request against what a client may have. */
import { parseScopeParam } from '../domain/scope.js';
import { invalidScope } from './errors.js';

/**
 * INTERFACE.md: an omitted scope means every scope associated with the client; a requested scope
 * must be a subset of them (matched case-sensitively, RFC 6749 §3.3).
 */
export function grantedScopes(requested: string | undefined, allowed: string[], outside = 'not allowed for this client'): string[] {
  if (requested === undefined) return [...allowed];
  const names = scopeNames(requested);
  const refused = names.filter((name) => !allowed.includes(name));
  if (refused.length > 0) throw invalidScope(`scope(s) ${outside}: ${refused.join(' ')}`);
  return names;
}

/**
 * The scope of an authorization code's exchange, where RFC 6749 §4.1.3 defines none but seed 002's
 * clients send one: it may narrow what the user granted, never widen it. Names the user did not
 * grant are left out rather than refused (RFC 6749 §3.3 lets the server ignore part of a request),
 * so a client that repeats its authorization request's scope still works after the user unticked
 * some of it at consent.
 */
export function narrowedScopes(requested: string | undefined, granted: string[]): string[] {
  if (requested === undefined) return granted;
  const kept = scopeNames(requested).filter((name) => granted.includes(name));
  if (kept.length === 0) throw invalidScope(`none of the requested scopes was granted: the user granted ${granted.join(' ')}`);
  return kept;
}

function scopeNames(requested: string): string[] {
  const names = parseScopeParam(requested);
  // RFC 6749 §5.2: invalid_scope covers a malformed scope too.
  if (!names) throw invalidScope('scope must be scope names separated by single spaces (RFC 6749 §3.3)');
  return names;
}
