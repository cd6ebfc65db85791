/**
 * Users (resource owners): management, password checks behind the brute-force lockout, and a
 * cached lookup for token verification. A password change, a disable or a delete ends every
 * session and grant family of the user and refuses every token issued before it.
 */
import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../domain/errors.js';
import type { Tenant } from '../domain/tenant.js';
import { nowS } from '../domain/time.js';
import { hashPassword, passwordPolicyError, verifyDecoy, verifyPassword } from '../crypto/passwords.js';
import type { Store, Repositories } from '../store/index.js';
import type { User } from '../store/users.js';
import type { ChangeFeed } from '../events/change-feed.js';
import type { Lockout } from './lockout.js';
import { revokeFamiliesIn } from './tokens.js';
import { PromiseCache } from './promise-cache.js';
import { parseRoles } from '../domain/roles.js';
import { DECEPTIVE_CHARACTERS } from '../domain/names.js';

export type { User };

const USERNAME = /^(?=[^\s])[^\u0000-\u001f\u007f]{1,128}(?<=[^\s])$/;

export function userView(user: User): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    email_verified: user.emailVerified,
    given_name: user.givenName,
    family_name: user.familyName,
    external_id: user.externalId,
    roles: user.roles,
    disabled: user.disabled,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

function optionalText(input: Record<string, unknown>, key: string, errors: FieldError[], fallback: string | null): string | null {
  if (!(key in input)) return fallback;
  const value = input[key];
  if (value === null) return null;
  if (typeof value !== 'string' || value.length > 320 || /[\u0000-\u001f\u007f]/.test(value)) {
    errors.push({ field: key, message: `${key} must be a string of at most 320 characters without control characters, or null` });
    return fallback;
  }
  return value;
}

export class UserRegistry {
  // Hits only: token management looks up the subjects of listed tokens, deleted users' among them.
  private readonly cache = new PromiseCache<string, User | undefined>((user) => user !== undefined);

  constructor(
    private readonly store: Store,
    private readonly feed: ChangeFeed,
    private readonly lockout: Lockout,
  ) {
    feed.on((event) => {
      if (event.kind === 'user.changed') this.cache.delete(`${event.tenantId}\u0000${event.target}`);
    });
  }

  /** Drops every cached entry (the node fell behind the change feed). */
  forgetAll(): void {
    this.cache.clear();
  }

  /** Cached: token verification asks on every request. */
  get(tenantId: string, id: string): Promise<User | undefined> {
    return this.cache.get(`${tenantId}\u0000${id}`, () => this.store.users.get(tenantId, id));
  }

  /** Like `get` for many users, with one query for all that are not cached: id → user (undefined when there is none). */
  async getMany(tenantId: string, ids: string[]): Promise<Map<string, User | undefined>> {
    const key = (id: string) => `${tenantId}\u0000${id}`;
    const found = await this.cache.getMany(ids.map(key), async (missing) => {
      const users = await this.store.users.getMany(tenantId, missing.map((k) => k.slice(tenantId.length + 1)));
      return new Map(users.map((user) => [key(user.id), user]));
    });
    return new Map(ids.map((id) => [id, found.get(key(id))]));
  }

  async require(tenantId: string, id: string): Promise<User> {
    const user = await this.store.users.get(tenantId, id);
    if (!user) throw new NotFoundError(`no user with id "${id}"`);
    return user;
  }

  async create(tenantId: string, input: Record<string, unknown>, actor: Actor): Promise<User> {
    const errors: FieldError[] = [];
    const username = typeof input.username === 'string' ? input.username : '';
    if (!USERNAME.test(username) || DECEPTIVE_CHARACTERS.test(username)) {
      errors.push({ field: 'username', message: 'username is required: 1–128 characters, no control characters, invisible spaces or text-direction overrides, not starting or ending with a space' });
    }
    const password = input.password;
    let passwordHash: string | null = null;
    if (password !== undefined && password !== null) {
      const problem = typeof password !== 'string' ? 'password must be a string' : passwordPolicyError(password, username);
      if (problem) errors.push({ field: 'password', message: problem });
    }
    const fields = this.profile(input, errors);
    if (errors.length) throw new ValidationError(errors);
    if (await this.store.users.byUsername(tenantId, username)) throw new ConflictError(`a user named "${username}" already exists (usernames are compared case-insensitively)`);
    if (typeof password === 'string') passwordHash = await hashPassword(password);
    const now = nowS();
    const user: User = { tenantId, id: randomUUID(), username, passwordHash, ...fields, disabled: input.disabled === true, notBefore: 0, createdAt: now, updatedAt: now };
    await this.feed.write(async (tx) => {
      await tx.users.insert(user);
      await tx.events.append({ tenantId, kind: 'user.changed', target: user.id, payload: {}, createdAt: now });
      await tx.audit.append({ tenantId, actor: actor.id, source: actor.source, action: 'user.created', target: user.id, detail: { username }, createdAt: now });
    });
    return user;
  }

  async patch(tenantId: string, id: string, input: Record<string, unknown>, actor: Actor): Promise<User> {
    const current = await this.require(tenantId, id);
    const errors: FieldError[] = [];
    if (input.username !== undefined && input.username !== current.username) errors.push({ field: 'username', message: 'the username cannot change' });
    let passwordHash = current.passwordHash;
    const passwordChanged = input.password !== undefined;
    if (passwordChanged) {
      const problem = typeof input.password !== 'string' ? 'password must be a string' : passwordPolicyError(input.password, current.username);
      if (problem) errors.push({ field: 'password', message: problem });
    }
    const fields = this.profile(input, errors, current);
    let disabled = current.disabled;
    if (input.disabled !== undefined) {
      if (typeof input.disabled !== 'boolean') errors.push({ field: 'disabled', message: 'disabled must be true or false' });
      else disabled = input.disabled;
    }
    if (errors.length) throw new ValidationError(errors);
    if (passwordChanged) passwordHash = await hashPassword(input.password as string);
    const now = nowS();
    const cutOff = passwordChanged || (disabled && !current.disabled);
    const user: User = { ...current, ...fields, passwordHash, disabled, notBefore: cutOff ? now : current.notBefore, updatedAt: now };
    await this.feed.write(async (tx) => {
      await tx.users.update(user);
      if (cutOff) await this.endEverything(tx, user, now);
      await tx.events.append({ tenantId, kind: 'user.changed', target: id, payload: {}, createdAt: now });
      const action = passwordChanged ? 'user.password_changed' : disabled !== current.disabled ? (disabled ? 'user.disabled' : 'user.enabled') : 'user.updated';
      await tx.audit.append({ tenantId, actor: actor.id, source: actor.source, action, target: id, detail: {}, createdAt: now });
    });
    if (passwordChanged || !disabled) await this.lockout.recordSuccess(tenantId, `user:${id}`);
    return user;
  }

  async delete(tenantId: string, id: string, actor: Actor): Promise<void> {
    const user = await this.require(tenantId, id);
    const now = nowS();
    await this.feed.write(async (tx) => {
      await this.endEverything(tx, user, now);
      await tx.users.delete(tenantId, id);
      await tx.events.append({ tenantId, kind: 'user.changed', target: id, payload: { deleted: true }, createdAt: now });
      await tx.audit.append({ tenantId, actor: actor.id, source: actor.source, action: 'user.deleted', target: id, detail: {}, createdAt: now });
    });
  }

  /**
   * Checks a username and password behind the lockout. Unknown user, wrong password, locked or
   * disabled account all return undefined, after the same work, so callers answer alike.
   */
  async checkPassword(tenant: Tenant, username: string, password: string, sourceKeys: string[] = []): Promise<User | undefined> {
    const user = await this.store.users.byUsername(tenant.id, username);
    // Unknown usernames are counted and locked too, so a lock reveals nothing about existence.
    const keys = [user ? `user:${user.id}` : `user?:${username.toLowerCase()}`, ...sourceKeys];
    const lockout = await this.lockout.status(tenant.id, keys);
    if (lockout.locked) return undefined;
    const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : (await verifyDecoy(password), false);
    if (!ok || !user || user.disabled) {
      await this.lockout.recordFailure(tenant.id, tenant.settings.lockout, keys);
      return undefined;
    }
    // Most sign-ins follow no failure: only a counter that exists costs a write to clear.
    if (lockout.counted.includes(keys[0]!)) await this.lockout.recordSuccess(tenant.id, keys[0]!);
    return user;
  }

  /** Revokes the user's grant families with their tokens, and ends their sessions. */
  private async endEverything(tx: Repositories, user: User, now: number): Promise<void> {
    const families = await tx.grants.familiesOf(user.tenantId, 'user_id', user.id);
    await revokeFamiliesIn(tx, user.tenantId, families, now, 'the user’s credentials changed');
    await tx.sessions.deleteForUser(user.tenantId, user.id);
  }

  private profile(input: Record<string, unknown>, errors: FieldError[], base?: User) {
    const roles = parseRoles(input.roles, base?.roles ?? [], errors);
    const email = optionalText(input, 'email', errors, base?.email ?? null);
    if (email !== null && !/^[^@\s]+@[^@\s]+$/.test(email)) errors.push({ field: 'email', message: 'email must look like name@domain' });
    let emailVerified = base?.emailVerified ?? false;
    if (input.email_verified !== undefined) {
      if (typeof input.email_verified !== 'boolean') errors.push({ field: 'email_verified', message: 'email_verified must be true or false' });
      else emailVerified = input.email_verified;
    }
    return {
      email,
      emailVerified,
      givenName: optionalText(input, 'given_name', errors, base?.givenName ?? null),
      familyName: optionalText(input, 'family_name', errors, base?.familyName ?? null),
      externalId: optionalText(input, 'external_id', errors, base?.externalId ?? null),
      roles,
    };
  }
}
