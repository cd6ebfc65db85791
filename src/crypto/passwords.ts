/**
 * Password hashing with argon2id at OWASP's parameters (19 MiB, t=2, p=1), on libuv's thread
 * pool so a hash never blocks the event loop.
 */
import { hash, verify } from '@node-rs/argon2';

const OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let decoy: Promise<string> | undefined;

/** Burns the time of one verification, so an unknown user answers as slowly as a wrong password. */
export async function verifyDecoy(password: string): Promise<void> {
  decoy ??= hashPassword('gatehouse decoy password');
  await verifyPassword(await decoy, password);
}

/** The password policy: length bounds (the upper one keeps hashing cost bounded), not the username. */
export function passwordPolicyError(password: string, username: string): string | undefined {
  if (password.length < 8) return 'password must be at least 8 characters';
  if (password.length > 256) return 'password must be at most 256 characters';
  if (password.toLowerCase() === username.toLowerCase()) return 'password must differ from the username';
  return undefined;
}
