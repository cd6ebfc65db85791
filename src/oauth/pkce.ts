/**
 * PKCE (RFC 7636), S256 only: `plain` offers no protection once the challenge leaks, so it is
 * refused (RFC 9700 §2.1.1).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { invalidGrant, invalidRequest } from './errors.js';

/** RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~]. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** A base64url SHA-256: 43 characters. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Validates the challenge of an authorization request; returns it, or undefined when absent. */
export function parseChallenge(challenge: string | undefined, method: string | undefined): string | undefined {
  if (challenge === undefined) {
    if (method !== undefined) throw invalidRequest('code_challenge_method without code_challenge');
    return undefined;
  }
  if ((method ?? 'plain') !== 'S256') throw invalidRequest('code_challenge_method must be S256 (plain is not supported)');
  if (!CHALLENGE.test(challenge)) throw invalidRequest('code_challenge must be a base64url SHA-256 (43 characters)');
  return challenge;
}

/** The token request's side: verifier required iff a challenge was bound to the code. */
export function checkVerifier(challenge: string | null, verifier: string | undefined): void {
  if (challenge === null) {
    // A verifier for a code issued without a challenge is a downgrade attempt (RFC 9700 §2.1.1).
    if (verifier !== undefined) throw invalidGrant('code_verifier sent for a code issued without code_challenge');
    return;
  }
  if (verifier === undefined) throw invalidGrant('code_verifier is required for this code');
  if (!VERIFIER.test(verifier)) throw invalidGrant('code_verifier must be 43–128 unreserved characters');
  const expected = Buffer.from(challenge);
  const actual = Buffer.from(s256(verifier));
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw invalidGrant('code_verifier does not match code_challenge');
}
