/**
 * API keys (GeneXus GAM, seed 004): a user holds a key per application and exchanges it for an
 * access token. A key is shown once and stored as a keyed hash. It stops working when it expires
 * or is deleted, when its user is disabled, when its application is deactivated or turns API keys
 * off, or when the application stops publishing a scope the key carries ("the API Key is
 * invalidated, and a new one must be generated"); admins see which.
 */
import { randomId } from '../crypto/random.js';
import { newApiKey, isWellFormedApiKey } from '../crypto/api-key-format.js';
import type { ServerSecret } from '../crypto/server-secret.js';
import type { Actor } from '../domain/actor.js';
import type { Client } from '../domain/client.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import { parseScopeParam } from '../domain/scope.js';
import { nowS } from '../domain/time.js';
import type { Repositories, Store } from '../store/index.js';
import type { ApiKeyRow } from '../store/schema.js';
import type { ApiKeyCursor } from '../store/api-keys.js';
import type { ChangeFeed } from '../events/change-feed.js';
import type { ClientRegistry } from './clients.js';
import type { ScopeRegistry } from './scopes.js';
import { revokeFamiliesIn } from './tokens.js';
import type { User, UserRegistry } from './users.js';
import { scopesForUser } from '../oauth/user-tokens.js';

/**
 * Last use is recorded to the minute: rewriting the key's row on every exchange would add a write
 * per request (bench/tenants.ts), for a figure admins read in minutes anyway.
 */
const LAST_USE_RESOLUTION_S = 60;

export interface IssuedApiKey {
  row: ApiKeyRow;
  apiKey: string;
}

/** Why a key does not work, or undefined when it does. */
export function apiKeyProblem(row: ApiKeyRow, user: User | undefined, client: Client | undefined, now = nowS()): string | undefined {
  if (row.invalidated_reason !== null) return row.invalidated_reason;
  if (row.expires_at !== null && Number(row.expires_at) <= now) return 'expired';
  if (!user) return 'user deleted';
  if (user.disabled) return 'user disabled';
  return applicationProblem(row, client);
}

/** Why the key's application no longer accepts it, or undefined when it does. */
function applicationProblem(row: ApiKeyRow, client: Client | undefined): string | undefined {
  if (!client) return 'application deleted';
  if (!client.active) return 'application deactivated';
  if (!client.apiKey.enabled) return 'application has API keys turned off';
  return unpublishedScopes(row, client);
}

/** The scopes of the key its application no longer publishes: this invalidates the key for good. */
function unpublishedScopes(row: ApiKeyRow, client: Client): string | undefined {
  const missing = (row.scope ? row.scope.split(' ') : []).filter((scope) => !client.scopes.includes(scope));
  return missing.length > 0 ? `application no longer publishes ${missing.join(' ')}` : undefined;
}

/**
 * The access-token lifetime for a token exchanged for this key: the client's, cut at the key's
 * expiry, so no token outlives the key it came from.
 */
export function keyBoundLifetime(row: ApiKeyRow, client: Client, now = nowS()): number | null {
  if (row.expires_at === null) return client.accessTokenLifetime;
  // A token may be dated one second after now (oauth/access-tokens.ts: issued just after a cut-off).
  const left = Math.max(1, Number(row.expires_at) - now - 1);
  return client.accessTokenLifetime === null ? left : Math.min(client.accessTokenLifetime, left);
}

/** A working key as the exchange found it, with its hash under the current server-secret version. */
export interface CheckedApiKey {
  row: ApiKeyRow;
  user: User;
  currentHash: string;
}

export class ApiKeys {
  constructor(
    private readonly store: Store,
    private readonly feed: ChangeFeed,
    private readonly secret: ServerSecret,
    private readonly clients: ClientRegistry,
    private readonly users: UserRegistry,
    private readonly scopes: ScopeRegistry,
  ) {
    clients.onChange((tx, before, after, now) => this.revokeInvalidatedBy(tx, before, after, now));
  }

  async view(row: ApiKeyRow): Promise<Record<string, unknown>> {
    const problem = apiKeyProblem(row, await this.users.get(row.tenant_id, row.user_id), await this.clients.get(row.tenant_id, row.client_id));
    return {
      id: row.id,
      client_id: row.client_id,
      scope: row.scope,
      hint: row.hint,
      created_at: Number(row.created_at),
      expires_at: row.expires_at === null ? null : Number(row.expires_at),
      last_used_at: row.last_used_at === null ? null : Number(row.last_used_at),
      status: problem ? 'invalid' : 'valid',
      invalid_reason: problem ?? null,
    };
  }

  /** seed 004 "GENERATE": a key for this user and application, with the application's (or narrower) scopes. */
  async create(tenantId: string, userId: string, input: Record<string, unknown>, actor: Actor): Promise<IssuedApiKey> {
    const user = await this.users.require(tenantId, userId);
    const clientId = input.client_id;
    if (typeof clientId !== 'string') throw ValidationError.field('client_id', 'client_id is required');
    const client = await this.clients.get(tenantId, clientId);
    if (!client) throw ValidationError.field('client_id', `no application with client_id "${clientId}"`);
    if (!client.apiKey.enabled) throw ValidationError.field('client_id', 'this application does not allow API keys (api_key_enabled is false)');
    if (!client.active) throw ValidationError.field('client_id', 'this application is deactivated');
    if (user.disabled) throw ValidationError.field('user', 'the user is disabled');
    const offered = scopesForUser(client.scopes, user, await this.scopes.byName(tenantId));
    // As the password grant and the consent page: a key for none of the application's scopes would open nothing.
    if (client.scopes.length > 0 && offered.length === 0) throw ValidationError.field('scope', 'the user holds none of the roles this application’s scopes are restricted to');
    let scopes = offered;
    if (input.scope !== undefined) {
      const requested = typeof input.scope === 'string' ? parseScopeParam(input.scope.replace(/\+/g, ' ')) : undefined;
      if (!requested) throw ValidationError.field('scope', 'scope must be space- (or +-) separated scope names');
      const outside = requested.filter((scope) => !offered.includes(scope));
      if (outside.length > 0) throw ValidationError.field('scope', `not available to this user on this application: ${outside.join(' ')}`);
      if (!client.apiKey.scopeCustomization && requested.length !== offered.length) {
        throw ValidationError.field('scope', 'this application does not allow scope customization: omit scope to get all its scopes');
      }
      scopes = offered.filter((scope) => requested.includes(scope));
    }
    const apiKey = newApiKey();
    const now = nowS();
    const row: ApiKeyRow = {
      id: randomId(),
      tenant_id: tenantId,
      user_id: user.id,
      client_id: client.clientId,
      key_hash: this.secret.lookupKeys(apiKey)[0]!,
      hint: apiKey.slice(0, 10),
      scope: scopes.join(' '),
      created_at: now,
      expires_at: client.apiKey.timeoutHours === 0 ? null : now + client.apiKey.timeoutHours * 3600,
      last_used_at: null,
      invalidated_reason: null,
    };
    await this.feed.write(async (tx) => {
      await tx.apiKeys.insert(row);
      await tx.audit.append({ tenantId, actor: actor.id, source: actor.source, action: 'api_key.created', target: row.id, detail: { user_id: user.id, client_id: client.clientId, scope: row.scope }, createdAt: now });
    });
    return { row, apiKey };
  }

  /** A page of a user's keys, newest first: `limit` of them after `cursor`. */
  async listOfUser(tenantId: string, userId: string, page: { limit: number; cursor?: ApiKeyCursor }): Promise<ApiKeyRow[]> {
    return this.store.apiKeys.ofUser(tenantId, userId, page);
  }

  /** Deletes a key and revokes every token exchanged for it. */
  async delete(tenantId: string, userId: string, id: string, actor: Actor): Promise<void> {
    const row = await this.store.apiKeys.get(tenantId, id);
    if (!row || row.user_id !== userId) throw new NotFoundError(`no API key "${id}" for this user`);
    const now = nowS();
    await this.feed.write(async (tx) => {
      await revokeFamiliesIn(tx, tenantId, await tx.apiKeys.familiesOfKey(id), now, 'API key deleted');
      await tx.apiKeys.delete(tenantId, id);
      await tx.audit.append({ tenantId, actor: actor.id, source: actor.source, action: 'api_key.deleted', target: id, detail: {}, createdAt: now });
    });
  }

  /**
   * A client change that stops the application accepting some of its keys (deactivation, API
   * keys turned off, a scope a key carries unpublished) revokes every token exchanged for those
   * keys in the same transaction, so every node refuses them at once; a key that works again
   * later (reactivation) does not bring them back. A key that lost a scope never works again.
   */
  private async revokeInvalidatedBy(tx: Repositories, before: Client, after: Client, now: number): Promise<void> {
    const narrowed = (before.active && !after.active) || (before.apiKey.enabled && !after.apiKey.enabled) || before.scopes.some((scope) => !after.scopes.includes(scope));
    if (!narrowed) return;
    for (const row of await tx.apiKeys.ofClient(after.tenantId, after.clientId)) {
      const reason = applicationProblem(row, after);
      if (!reason) continue;
      await revokeFamiliesIn(tx, after.tenantId, await tx.apiKeys.familiesOfKey(row.id), now, `API key invalid: ${reason}`);
      const unpublished = unpublishedScopes(row, after);
      if (unpublished) await tx.apiKeys.invalidate(row.id, unpublished);
    }
  }

  /**
   * The key of a grant family exchanged for one, when it still works for this client; undefined
   * when it no longer does (its refresh tokens must then be refused).
   */
  async liveKeyOfFamily(tenantId: string, client: Client, id: string): Promise<ApiKeyRow | undefined> {
    const row = await this.store.apiKeys.get(tenantId, id);
    if (!row || row.client_id !== client.clientId) return undefined;
    return apiKeyProblem(row, await this.users.get(tenantId, row.user_id), client) ? undefined : row;
  }

  /**
   * The key's row when `apiKey` is a working key of this client; undefined otherwise (callers
   * answer every failure alike).
   */
  async check(tenantId: string, client: Client, apiKey: string): Promise<CheckedApiKey | undefined> {
    if (!isWellFormedApiKey(apiKey)) return undefined;
    const keys = this.secret.lookupKeys(apiKey);
    const row = await this.store.apiKeys.byHash(keys);
    if (!row || row.tenant_id !== tenantId || row.client_id !== client.clientId) return undefined;
    const user = await this.users.get(tenantId, row.user_id);
    if (apiKeyProblem(row, user, client)) return undefined;
    return { row, user: user!, currentHash: keys[0]! };
  }

  /**
   * Records a key's use, to the minute, in the exchange's own transaction rather than a commit of
   * its own; a key stored under an older server-secret version moves to the current one
   * (INTERFACE.md), so that version can be retired without invalidating it.
   */
  async recordUse(tx: Repositories, { row, currentHash }: CheckedApiKey, now = nowS()): Promise<void> {
    if (row.last_used_at === null || now - Number(row.last_used_at) >= LAST_USE_RESOLUTION_S) await tx.apiKeys.touch(row.id, now);
    if (row.key_hash !== currentHash) await tx.apiKeys.rehash(row.id, row.key_hash, currentHash);
  }
}
