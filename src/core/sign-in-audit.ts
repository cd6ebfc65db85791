/**
 * The audit event of a password check, the same from the login page and the password grant:
 * `user.signed_in` by the user, or `user.sign_in_failed` naming what was typed as the username
 * (never the password). Failures are bounded by the login rate limits and the lockout.
 */
import type { AuditEvent } from '../store/audit.js';
import type { User } from '../store/users.js';
import { nowS } from '../domain/time.js';

/** Usernames are at most 128 characters: a longer one is recorded (and counted) by its start. */
export const typedAccount = (username: string): string => username.slice(0, 128);

export function signInEvent(tenantId: string, user: User | undefined, username: string, clientId: string, source: string | null): Omit<AuditEvent, 'id'> {
  const common = { tenantId, source, detail: { client_id: clientId }, createdAt: nowS() };
  return user ? { ...common, actor: user.id, action: 'user.signed_in', target: user.id } : { ...common, actor: 'anonymous', action: 'user.sign_in_failed', target: typedAccount(username) };
}
