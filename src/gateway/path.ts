/**
 * Request paths are normalised before any pattern sees them, so no spelling of a path can slip
 * past a scope: percent-decoding of unreserved characters, `//` collapsed, the trailing slash
 * dropped. What cannot be normalised safely is refused (INTERFACE.md "Gateway"): an encoded `/`,
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
  }
  return { segments, path: `/${segments.map(encodeSegment).join('/')}` };
}

/** Re-encodes a decoded segment, keeping the characters RFC 3986 allows in a path segment. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(2[146789ABC]|3[ABD]|40)/gi, (match) => decodeURIComponent(match));
}
