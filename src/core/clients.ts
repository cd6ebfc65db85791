/**
 * Client management and lookup. Lookups are served from memory (the token endpoint's hot path);
 * every change goes through the change feed, so every node drops its copy at once.
 */
import {
  clientView,
  isConfidential,
  metadataOf,
  MetadataError,
  parseClientMetadata,
  previousSecretAfterRotation,
  selfServiceWidening,
  type Client,
  type ClientMetadata,
} from '../domain/client.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { Actor } from '../domain/actor.js';
import type { TenantSettings } from '../domain/tenant.js';
import { GAM_FULL_CONTROL } from '../domain/scope.js';
import { nowS } from '../domain/time.js';
import { randomId, randomToken } from '../crypto/random.js';
import type { ServerSecret } from '../crypto/server-secret.js';
import type { Repositories, Store } from '../store/index.js';
import type { StoredSecret } from '../store/clients.js';
import type { ChangeFeed } from '../events/change-feed.js';
import type { ScopeRegistry } from './scopes.js';
import { PromiseCache } from './promise-cache.js';
import { CONSOLE_CLIENT_ID } from '../console/console-client.js';

/**
 * The console's own client is the server's (console/console-client.ts): deleted, deactivated or
 * pointed elsewhere, it would leave the console unusable until a restart. Checked on the result of
 * a change, whichever API asked for it, so a value sent unchanged is no change.
 */
const MANAGED = `${CONSOLE_CLIENT_ID} is the web console’s own client, managed by the server`;
const SIGN_IN_FIELDS = { redirect_uris: 'redirectUris', grant_types: 'grantTypes', response_types: 'responseTypes', token_endpoint_auth_method: 'tokenEndpointAuthMethod', scope: 'scopes' } as const;

function sameValue(a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b)) return a === b;
  return new Set(a).size === new Set(b).size && b.every((item) => a.includes(item));
}

function refuseManagedChange(current: Client, next: Client): void {
  if (current.clientId !== CONSOLE_CLIENT_ID) return;
  const changed = Object.entries(SIGN_IN_FIELDS).filter(([, key]) => !sameValue(current[key], next[key])).map(([field]) => field);
  const refusals = [...(current.active && !next.active ? ['it cannot be deactivated'] : []), ...(changed.length > 0 ? [`its ${changed.join(', ')} cannot change`] : [])];
  if (refusals.length > 0) throw new ConflictError(`${MANAGED}: ${refusals.join('; ')}`);
}

export interface IssuedClient {
  client: Client;
  /** Plain client secret: returned once, never stored. */
  clientSecret?: string;
  /** Plain RFC 7592 registration access token: returned once, never stored. */
  registrationAccessToken?: string;
}

export interface CreateOptions {
  /** Fixed id and secret (bootstrap admin client); generated otherwise. */
  clientId?: string;
  clientSecret?: string;
}

/** How `POST /clients/{id}/secret` treats the replaced secret and the new one (seconds; 0 or omitted = not at all / never). */
export interface SecretRotation {
  previousSecretValidForS?: number;
  expiresInS?: number;
}

/** Runs inside the transaction that saves a client's changed metadata (e.g. to revoke what the change invalidates). */
export type ClientChangeHook = (tx: Repositories, before: Client, after: Client, now: number) => Promise<void>;

export class ClientRegistry {
  private readonly cache = new PromiseCache<string, Client | undefined>((client) => client !== undefined);
  private readonly changeHooks: ClientChangeHook[] = [];

  constructor(
    private readonly store: Store,
    private readonly feed: ChangeFeed,
    private readonly secret: ServerSecret,
    private readonly scopes: ScopeRegistry,
    private readonly maxTokenLifetimeS: number,
  ) {
    feed.on((event) => {
      if (event.kind === 'client.changed' || event.kind === 'client.deleted') this.cache.delete(`${event.tenantId}\u0000${event.target}`);
      if (event.kind === 'tenant.deleted') this.forgetTenant(event.tenantId);
    });
  }

  /** Drops every cached entry (the node fell behind the change feed). */
  forgetAll(): void {
    this.cache.clear();
  }

  onChange(hook: ClientChangeHook): void {
    this.changeHooks.push(hook);
  }

  get(tenantId: string, clientId: string): Promise<Client | undefined> {
    return this.cache.get(`${tenantId}\u0000${clientId}`, () => this.store.clients.get(tenantId, clientId));
  }


  async require(tenantId: string, clientId: string): Promise<Client> {
    const client = await this.get(tenantId, clientId);
    if (!client) throw new NotFoundError(`no client with id "${clientId}"`);
    return client;
  }

  view(client: Client, settings: TenantSettings): Record<string, unknown> {
    return clientView(client, effectiveRequirePkce(client, settings));
  }

  async create(tenantId: string, settings: TenantSettings, input: Record<string, unknown>, actor: Actor, options: CreateOptions = {}): Promise<IssuedClient> {
    const metadata = await this.validate(tenantId, settings, input);
    if (await this.store.clients.nameTaken(tenantId, metadata.clientName, metadata.clientVersion)) {
      throw new ConflictError(`a client named "${metadata.clientName}" with version "${metadata.clientVersion}" already exists (names are compared case-insensitively)`);
    }
    const now = nowS();
    const confidential = metadata.tokenEndpointAuthMethod !== 'none';
    const clientSecret = confidential ? (options.clientSecret ?? randomToken(256)) : undefined;
    const registrationAccessToken = randomToken(256);
    const client: Client = {
      ...metadata,
      tenantId,
      clientId: options.clientId ?? randomId(),
      scopes: metadata.scopes ?? [],
      secretHash: clientSecret === undefined ? null : this.secret.hash(clientSecret),
      secretExpiresAt: 0,
      previousSecret: null,
      notBefore: 0,
      registrationTokenHash: this.secret.hash(registrationAccessToken),
      createdAt: now,
      updatedAt: now,
    };
    await this.feed.write(async (tx) => {
      await tx.clients.insert(client);
      await tx.events.append({ tenantId, kind: 'client.changed', target: client.clientId, payload: {}, createdAt: now });
      await tx.audit.append(this.audit(tenantId, actor, 'client.created', client.clientId, { client_name: client.clientName, client_version: client.clientVersion }, now));
    });
    return { client, clientSecret, registrationAccessToken };
  }

  /**
   * PATCH (admin API): omitted fields keep their values. A client made confidential gets a secret,
   * returned once. `byServer`: the server keeping its own console client current.
   */
  async patch(tenantId: string, settings: TenantSettings, clientId: string, input: Record<string, unknown>, actor: Actor, options: { byServer?: boolean } = {}): Promise<IssuedClient> {
    const current = await this.fresh(tenantId, clientId);
    for (const field of ['client_name', 'client_version'] as const) {
      const currentValue = field === 'client_name' ? current.clientName : current.clientVersion;
      if (input[field] !== undefined && input[field] !== currentValue) throw ValidationError.field(field, `${field} cannot change after the client is created`);
    }
    const metadata = await this.validate(tenantId, settings, input, metadataOf(current));
    return this.save(current, metadata, actor, options.byServer);
  }

  /** RFC 7592 PUT: the request replaces the metadata; omitted fields take their defaults. */
  /**
   * RFC 7592 §2.2 update: the body carries the client's whole metadata and omitted fields reset
   * to their defaults. `byClient`: the client itself asks, with its registration access token.
   */
  async replace(tenantId: string, settings: TenantSettings, clientId: string, input: Record<string, unknown>, actor: Actor, options: { byClient: boolean }): Promise<IssuedClient> {
    const current = await this.fresh(tenantId, clientId);
    if (input.client_id !== clientId) throw ValidationError.field('client_id', input.client_id === undefined ? 'an update must include the client_id (RFC 7592 §2.2)' : 'client_id must match the client being updated');
    if (input.client_secret !== undefined && !(typeof input.client_secret === 'string' && current.secretHash && this.secret.verify(input.client_secret, current.secretHash).ok)) {
      throw ValidationError.field('client_secret', 'client_secret must be the current secret: a client cannot choose its own (RFC 7592 §2.2)');
    }
    const parsed = await this.validate(tenantId, settings, { client_name: current.clientName, client_version: current.clientVersion, ...input });
    // Exact comparison: a change of case is a change too (and would otherwise be stored).
    if (parsed.clientName !== current.clientName || parsed.clientVersion !== current.clientVersion) {
      throw ValidationError.field(parsed.clientName !== current.clientName ? 'client_name' : 'client_version', 'client_name and client_version cannot change after the client is created');
    }
    // An omitted scope resets to its registration default, no scopes, like every other field.
    const metadata = { ...parsed, scopes: parsed.scopes ?? [] };
    const widening = options.byClient ? selfServiceWidening(current, metadata) : [];
    if (widening.length > 0) throw new ValidationError(widening);
    return this.save(current, metadata, actor);
  }

  async delete(tenantId: string, clientId: string, actor: Actor): Promise<void> {
    await this.fresh(tenantId, clientId);
    if (clientId === CONSOLE_CLIENT_ID) throw new ConflictError(`${MANAGED}: it cannot be deleted`);
    const now = nowS();
    await this.feed.write(async (tx) => {
      await tx.tokens.deleteByClient(tenantId, clientId);
      await tx.clients.delete(tenantId, clientId);
      await tx.events.append({ tenantId, kind: 'client.deleted', target: clientId, payload: {}, createdAt: now });
      await tx.audit.append(this.audit(tenantId, actor, 'client.deleted', clientId, {}, now));
    });
  }

  /** A new secret; the replaced one stops at once, or keeps working for the rotation's overlap. */
  async regenerateSecret(tenantId: string, clientId: string, actor: Actor, rotation: SecretRotation = {}): Promise<{ client: Client; clientSecret: string }> {
    const current = await this.fresh(tenantId, clientId);
    if (!isConfidential(current)) throw new ConflictError('public clients have no secret');
    const clientSecret = randomToken(256);
    const now = nowS();
    const client: Client = {
      ...current,
      secretHash: this.secret.hash(clientSecret),
      secretExpiresAt: rotation.expiresInS ? now + rotation.expiresInS : 0,
      previousSecret: previousSecretAfterRotation(current, rotation.previousSecretValidForS ?? 0, now),
      updatedAt: now,
    };
    const detail = { secret_expires_at: client.secretExpiresAt, previous_secret_expires_at: client.previousSecret?.expiresAt ?? null };
    await this.feed.write(async (tx) => {
      await tx.clients.update(client);
      await tx.events.append({ tenantId, kind: 'client.changed', target: clientId, payload: {}, createdAt: now });
      await tx.audit.append(this.audit(tenantId, actor, 'client.secret_regenerated', clientId, detail, now));
    });
    return { client, clientSecret };
  }

  /** Sets the bootstrap client's secret to the configured one (GATEHOUSE_ADMIN_CLIENT_SECRET changed). */
  async setSecret(tenantId: string, clientId: string, clientSecret: string, actor: Actor): Promise<void> {
    const current = await this.fresh(tenantId, clientId);
    if (current.secretHash && this.secret.verify(clientSecret, current.secretHash).ok) return;
    const now = nowS();
    await this.feed.write(async (tx) => {
      await tx.clients.update({ ...current, secretHash: this.secret.hash(clientSecret), secretExpiresAt: 0, previousSecret: null, updatedAt: now });
      await tx.events.append({ tenantId, kind: 'client.changed', target: clientId, payload: {}, createdAt: now });
      await tx.audit.append(this.audit(tenantId, actor, 'client.secret_set', clientId, {}, now));
    });
  }

  /**
   * Replaces a hash made under an old server-secret version after a successful check (INTERFACE.md:
   * rehashed on its next successful use): the current secret's, the previous one's during a
   * rotation overlap, or the registration access token's.
   */
  async rehashSecret(client: Client, presented: string): Promise<void> {
    const stored: [StoredSecret, string | null | undefined][] = [['current', client.secretHash], ['previous', client.previousSecret?.hash], ['registration', client.registrationTokenHash]];
    const stale = stored.find(([, hash]) => typeof hash === 'string' && this.secret.verify(presented, hash).stale);
    if (!stale) return;
    const [which, from] = stale;
    await this.feed.write(async (tx) => {
      // A compare-and-swap of the hash alone: a rotation or any other change made since this
      // client was read stays as it is, and a secret that was replaced meanwhile is not restored.
      if (!(await tx.clients.swapSecretHash(client.tenantId, client.clientId, which, from!, this.secret.hash(presented)))) return;
      await tx.events.append({ tenantId: client.tenantId, kind: 'client.changed', target: client.clientId, payload: {}, createdAt: nowS() });
    });
  }

  private async save(current: Client, metadata: ClientMetadata, actor: Actor, byServer = false): Promise<IssuedClient> {
    const now = nowS();
    const becomesPublic = metadata.tokenEndpointAuthMethod === 'none';
    const client: Client = {
      ...current,
      ...metadata,
      scopes: metadata.scopes ?? current.scopes,
      secretHash: becomesPublic ? null : current.secretHash,
      previousSecret: becomesPublic ? null : current.previousSecret,
      // Deactivation refuses every token issued so far, and they stay refused after reactivation.
      notBefore: current.active && !metadata.active ? now : current.notBefore,
      updatedAt: now,
    };
    if (!byServer) refuseManagedChange(current, client);
    // A public client turned confidential needs a secret; only this response can carry it.
    let clientSecret: string | undefined;
    if (!becomesPublic && client.secretHash === null) {
      clientSecret = randomToken(256);
      client.secretHash = this.secret.hash(clientSecret);
      client.secretExpiresAt = 0;
    }
    await this.feed.write(async (tx) => {
      await tx.clients.update(client);
      for (const hook of this.changeHooks) await hook(tx, current, client, now);
      await tx.events.append({ tenantId: client.tenantId, kind: 'client.changed', target: client.clientId, payload: { active: client.active, not_before: client.notBefore }, createdAt: now });
      const action = current.active !== client.active ? (client.active ? 'client.activated' : 'client.deactivated') : 'client.updated';
      await tx.audit.append(this.audit(client.tenantId, actor, action, client.clientId, {}, now));
    });
    return { client, clientSecret };
  }

  /** The stored client, bypassing the cache: management decisions must not act on a stale copy. */
  private async fresh(tenantId: string, clientId: string): Promise<Client> {
    const client = await this.store.clients.get(tenantId, clientId);
    if (!client) throw new NotFoundError(`no client with id "${clientId}"`);
    return client;
  }

  private async validate(tenantId: string, settings: TenantSettings, input: Record<string, unknown>, base?: ClientMetadata): Promise<ClientMetadata> {
    let metadata: ClientMetadata;
    try {
      metadata = parseClientMetadata(input, { settings, maxTokenLifetimeS: this.maxTokenLifetimeS, base });
    } catch (error) {
      if (error instanceof MetadataError) throw new ValidationError([{ field: error.field, message: error.message }], error.code);
      throw error;
    }
    if (metadata.scopes?.includes(GAM_FULL_CONTROL)) {
      throw ValidationError.field('scope', `${GAM_FULL_CONTROL} is not associated with clients: with compat.gam on, a token request for it gets every scope of the client`);
    }
    if (metadata.scopes) {
      const unknown = await this.scopes.unknown(tenantId, metadata.scopes);
      if (unknown.length > 0) throw ValidationError.field('scope', `unknown scope(s): ${unknown.join(', ')}; create them first`);
    }
    return metadata;
  }

  private audit(tenantId: string, actor: Actor, action: string, target: string, detail: Record<string, unknown>, now: number) {
    return { tenantId, actor: actor.id, source: actor.source, action, target, detail, createdAt: now };
  }

  private forgetTenant(tenantId: string): void {
    this.cache.deleteWhere((key) => key.startsWith(`${tenantId}\u0000`));
  }
}

export function effectiveRequirePkce(client: Pick<Client, 'requirePkce' | 'tokenEndpointAuthMethod'>, settings: TenantSettings): boolean {
  if (!isConfidential(client)) return true;
  return client.requirePkce ?? settings.require_pkce;
}
