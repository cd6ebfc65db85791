/**
 * Node keeps only the first of several Authorization headers. Which credential counts must not
 * depend on their order (a proxy that adds its own could be overridden by the caller's), so every
 * reader of the header refuses a request that repeats it: bearer tokens, client authentication
 * and the resource-server library.
 */
export function repeatsAuthorization(rawHeaders: readonly string[]): boolean {
  let seen = 0;
  // Names sit at even indexes; a loop, not a filter: this runs on every gateway request.
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization' && ++seen > 1) return true;
  }
  return false;
}
