/**
 * The `error` parameters of an RFC 6750 WWW-Authenticate header, parsed by oauth4webapi. Its
 * parser is reachable only through a protected-resource request, so the header is handed to it
 * as the answer of a request that never leaves the process.
 */
import * as oauth from 'oauth4webapi';

export async function challengeErrors(header: string | null): Promise<string[]> {
  if (!header) return [];
  const answer = async () => new Response(null, { status: 401, headers: { 'www-authenticate': header } });
  try {
    await oauth.protectedResourceRequest('-', 'GET', new URL('https://challenge.invalid/'), undefined, undefined, { [oauth.customFetch]: answer });
    return [];
  } catch (error) {
    if (!(error instanceof oauth.WWWAuthenticateChallengeError)) return [];
    return error.cause.map((c) => c.parameters.error).filter((e): e is string => typeof e === 'string');
  }
}
