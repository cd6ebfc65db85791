import { randomBytes } from 'node:crypto';

/** `bits` of CSPRNG output, base64url-encoded (no padding). */
export function randomToken(bits = 256): string {
  return randomBytes(Math.ceil(bits / 8)).toString('base64url');
}

/** Identifiers (client ids, jti) need uniqueness, not secrecy: 128 bits. */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}
