/**
 * Request paths are normalised before any pattern sees them, so no spelling of a path can slip
 * past a scope: percent-decoding of unreserved characters, `//` collapsed, the trailing slash
 * dropped. Patterns see fully decoded segments; the forwarded path keeps an encoded reserved
 * character encoded (RFC 3986 §2.2: `a%3Bb` is not `a;b` to an upstream that reads `;`). What cannot be normalised safely is refused (INTERFACE.md "Gateway"): an encoded `/`,
 * any `\`, NUL, and dot-segments, literal or encoded (also with a `;` path parameter).
 */
export class UnsafePathError extends Error {}

export interface NormalisedPath {
  /** Decoded segments, for matching. */
  segments: string[];
  /** The normalised path, for routing and forwarding. */
  path: string;
}

export function normalisePath(rawPath: string): NormalisedPath {
  if (!rawPath.startsWith('/')) throw new UnsafePathError('the path must start with "/"');
  if (rawPath.includes('\\')) throw new UnsafePathError('"\\" is not allowed in a path');
  const segments: string[] = [];
  const spelled: string[] = [];
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      throw new UnsafePathError('the path has a malformed percent-encoding');
    }
    if (decoded.includes('/') || decoded.includes('\\')) throw new UnsafePathError('an encoded "/" or "\\" is not allowed in a path');
    if (decoded.includes('\u0000')) throw new UnsafePathError('NUL is not allowed in a path');
    // `..;x` is a dot-segment to servers that strip path parameters (Tomcat): refused alike.
    const bare = decoded.split(';')[0];
    if (bare === '.' || bare === '..') throw new UnsafePathError('dot-segments are not allowed in a path');
    segments.push(decoded);
    spelled.push(canonicalSegment(raw));
  }
  return { segments, path: `/${spelled.join('/')}` };
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * One spelling per meaning (RFC 3986 §6.2.2): escapes of unreserved characters decoded, other
 * escapes in upper case, characters a segment cannot hold literally encoded; a reserved character
 * keeps the form the caller chose, literal or encoded, since the two mean different things.
 */
function canonicalSegment(raw: string): string {
  return raw.replace(/%([0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@]/g, (match, hex: string | undefined) => {
    if (hex === undefined) return encodeURIComponent(match);
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}
