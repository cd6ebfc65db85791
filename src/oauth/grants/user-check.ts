/** Whether a grant may still act for a user: present, enabled, and not cut off since `since`. */
import type { User } from '../../core/users.js';
import { userCutOff } from '../../core/token-cut-offs.js';
import { invalidGrant } from '../errors.js';

export function requireLiveUser(user: User | undefined, since: number): User {
  if (!user || userCutOff(user, since)) throw invalidGrant('the grant’s user is no longer valid');
  return user;
}
