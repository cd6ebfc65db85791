/** Scopes: names, built-ins, and the syntax of their service URL patterns (INTERFACE.md "Gateway"). */
import { METHODS as HTTP_METHODS } from 'node:http';

/** Built-in scopes exist in every tenant and cannot be deleted. `admin` needs the `admin` role on user tokens. */
export const BUILT_IN_SCOPES: Record<string, { description: string; roles: string[] }> = {
  admin: { description: 'Administer this tenant', roles: ['admin'] },
  openid: { description: 'Sign you in (OpenID Connect)', roles: [] },
  profile: { description: 'Your name', roles: [] },
  email: { description: 'Your e-mail address', roles: [] },
  offline_access: { description: 'Stay signed in (refresh tokens)', roles: [] },
  user_email: { description: 'Your e-mail address (GAM)', roles: [] },
  user_first_name: { description: 'Your first name (GAM)', roles: [] },
  user_external_id: { description: 'Your external id (GAM)', roles: [] },
};
export const GAM_FULL_CONTROL = 'FullControl';

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function isValidScopeName(name: string): boolean {
  return name.length <= 128 && SCOPE_TOKEN.test(name);
}

/** Splits a `scope` parameter; undefined for a malformed value (empty tokens, bad characters). */
export function parseScopeParam(value: string): string[] | undefined {
  if (value === '') return [];
  const names = value.split(' ');
  if (names.some((name) => !isValidScopeName(name))) return undefined;
  return [...new Set(names)];
}

/**
 * Never forwarded by the gateway (src/gateway/methods.ts): TRACE echoes the caller's credentials
 * back, CONNECT would make it an open tunnel.
 */
export const REFUSED_METHODS: ReadonlySet<string> = new Set(['TRACE', 'CONNECT']);
/** What a pattern may name: every method the gateway forwards, WebDAV's PROPFIND and MKCOL included. */
export const FORWARDED_METHODS: readonly string[] = HTTP_METHODS.filter((method) => !REFUSED_METHODS.has(method));
const METHODS = new Set(FORWARDED_METHODS);
const SEGMENT = /^[A-Za-z0-9\-._~!$&'()+,;=:@%]+$/;

/**
 * Checks a service pattern: `[METHOD[,METHOD…] ]/path`, segments literal or `*`, optional trailing
 * `/**`. Returns an error message, or undefined when valid.
 */
export function servicePatternError(pattern: string): string | undefined {
  const match = /^(?:([A-Z,]+) )?(\/.*)$/.exec(pattern);
  if (!match) return 'must be a path starting with "/", optionally preceded by methods, e.g. "GET,HEAD /orders/*"';
  const [, methods, path] = match;
  if (methods) {
    for (const method of methods.split(',')) {
      if (!METHODS.has(method)) return `unknown HTTP method "${method}"`;
    }
  }
  if (path === '/') return undefined;
  const segments = path!.slice(1).split('/');
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    if (segment === '**') {
      if (!last) return '"**" is only allowed as the last segment';
      continue;
    }
    if (segment === '*') continue;
    if (segment === '') return last ? 'must not end with "/" (use "/**" for any depth)' : 'must not contain empty segments ("//")';
    if (segment === '.' || segment === '..') return 'must not contain dot-segments';
    if (segment.includes('*')) return `"*" must stand for a whole segment, got "${segment}"`;
    if (!SEGMENT.test(segment)) return `segment "${segment}" has characters not allowed in a URL path`;
    // A pattern must be able to match a normalised request path (gateway/path.ts refuses these).
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return `segment "${segment}" has a malformed percent-encoding`;
    }
    if (/[/\\\u0000]/.test(decoded)) return `segment "${segment}" encodes "/", "\\" or NUL, which no request path can contain`;
    if (decoded === '.' || decoded === '..') return 'must not contain dot-segments, literal or encoded';
  }
  return undefined;
}
