/**
 * The credentials part of a cache key. A token is reused only with the credentials that obtained
 * it: a wrong client secret or password then means a fresh token request, which fails as it
 * should, instead of a cached token hiding the mistake. Keys may be persisted (the CLI's
 * tokens.json), so they hold a fingerprint, never a secret; scrypt, salted with the client and the
 * user, because a password can be guessed where a generated secret cannot.
 */
import { scrypt } from 'node:crypto';
import type { Grant } from './grants.js';

/** About 40 ms on a laptop core, once per client: cheap for it, costly for a guesser. */
const COST = { N: 2 ** 14, r: 8, p: 1 };

export function credentialsFingerprint(clientId: string, clientSecret: string | undefined, grant: Grant): Promise<string> {
  const password = grant.type === 'password' ? grant.password : '';
  const salt = JSON.stringify(['gatehouse-client credentials v1', clientId, grant.type === 'password' ? grant.username : '']);
  return new Promise((resolve, reject) =>
    scrypt(JSON.stringify([clientSecret ?? '', password]), salt, 16, COST, (error, derived) => (error ? reject(error) : resolve(derived.toString('base64url')))),
  );
}
