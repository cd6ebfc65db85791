/** Resolving the `scope` parameter of a token request against what a client may have. */
import { parseScopeParam } from '../domain/scope.js';
import { invalidScope } from './errors.js';

/**
 * INTERFACE.md: an omitted scope means every scope associated with the client; a requested scope
 * must be a subset of them (matched case-sensitively, RFC 6749 §3.3).
 */
export function grantedScopes(requested: string | undefined, allowed: string[], outside = 'not allowed for this client'): string[] {
  if (requested === undefined) return [...allowed];
  const names = parseScopeParam(requested);
  // RFC 6749 §5.2: invalid_scope covers a malformed scope too.
  if (!names) throw invalidScope('scope must be scope names separated by single spaces (RFC 6749 §3.3)');
  const refused = names.filter((name) => !allowed.includes(name));
  if (refused.length > 0) throw invalidScope(`scope(s) ${outside}: ${refused.join(' ')}`);
  return names;
}
