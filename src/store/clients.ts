import type { AuthMethod, Client } from '../domain/client.js';
import { bit, json, type Executor } from './executor.js';
import type { ClientRow } from './schema.js';
import { nameSpellings } from '../domain/names.js';

export interface ClientCutOff {
  clientId: string;
  /** Tokens of the client issued at or before this time are refused. */
  issuedUpTo: number;
}

export function nameKey(name: string, version: string): string {
  return JSON.stringify([name.toLowerCase(), version.toLowerCase()]);
}

function toClient(row: ClientRow, scopes: string[]): Client {
  return {
    tenantId: row.tenant_id,
    clientId: row.client_id,
    clientName: row.client_name,
    clientVersion: row.client_version,
    description: row.description,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method as AuthMethod,
    secretHash: row.secret_hash,
    secretExpiresAt: Number(row.secret_expires_at),
    previousSecret: row.previous_secret_hash === null ? null : { hash: row.previous_secret_hash, expiresAt: Number(row.previous_secret_expires_at) },
    redirectUris: JSON.parse(row.redirect_uris),
    postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris),
    grantTypes: JSON.parse(row.grant_types),
    responseTypes: JSON.parse(row.response_types),
    scopes,
    accessTokenLifetime: row.access_token_lifetime === null ? null : Number(row.access_token_lifetime),
    refreshTokenLimit: row.refresh_token_limit === null ? null : Number(row.refresh_token_limit),
    requirePkce: row.require_pkce === null ? null : row.require_pkce === 1,
    active: row.active === 1,
    notBefore: Number(row.not_before),
    apiKey: {
      enabled: row.api_key_enabled === 1,
      timeoutHours: Number(row.api_key_timeout_hours),
      allowedAuthType: row.api_key_allowed_auth_type,
      scopeCustomization: row.api_key_scope_customization === 1,
    },
    registrationTokenHash: row.registration_token_hash,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toRow(client: Client): ClientRow {
  return {
    tenant_id: client.tenantId,
    client_id: client.clientId,
    client_name: client.clientName,
    client_version: client.clientVersion,
    name_key: nameKey(client.clientName, client.clientVersion),
    description: client.description,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    secret_hash: client.secretHash,
    secret_expires_at: client.secretExpiresAt,
    previous_secret_hash: client.previousSecret?.hash ?? null,
    previous_secret_expires_at: client.previousSecret?.expiresAt ?? null,
    redirect_uris: json(client.redirectUris),
    post_logout_redirect_uris: json(client.postLogoutRedirectUris),
    grant_types: json(client.grantTypes),
    response_types: json(client.responseTypes),
    access_token_lifetime: client.accessTokenLifetime,
    refresh_token_limit: client.refreshTokenLimit,
    require_pkce: client.requirePkce === null ? null : bit(client.requirePkce),
    active: bit(client.active),
    not_before: client.notBefore,
    api_key_enabled: bit(client.apiKey.enabled),
    api_key_timeout_hours: client.apiKey.timeoutHours,
    api_key_allowed_auth_type: client.apiKey.allowedAuthType,
    api_key_scope_customization: bit(client.apiKey.scopeCustomization),
    registration_token_hash: client.registrationTokenHash,
    created_at: client.createdAt,
    updated_at: client.updatedAt,
  };
}

/** The client's secrets kept as keyed hashes, and their columns. */
export type StoredSecret = 'current' | 'previous' | 'registration';
const SECRET_COLUMNS = { current: 'secret_hash', previous: 'previous_secret_hash', registration: 'registration_token_hash' } as const;

export class ClientStore {
  constructor(private readonly db: Executor) {}

  async get(tenantId: string, clientId: string): Promise<Client | undefined> {
    const row = await this.db.selectFrom('clients').selectAll().where('tenant_id', '=', tenantId).where('client_id', '=', clientId).executeTakeFirst();
    if (!row) return undefined;
    return toClient(row, await this.scopesOf(tenantId, clientId));
  }

  /** Ordered by client_id; `after` is the last client_id of the previous page. */
  async list(tenantId: string, limit: number, after?: string): Promise<Client[]> {
    let query = this.db.selectFrom('clients').selectAll().where('tenant_id', '=', tenantId);
    if (after !== undefined) query = query.where('client_id', '>', after);
    const rows = await query.orderBy('client_id', 'asc').limit(limit).execute();
    if (rows.length === 0) return [];
    const links = await this.db
      .selectFrom('client_scopes')
      .select(['client_id', 'scope_name'])
      .where('tenant_id', '=', tenantId)
      .where(
        'client_id',
        'in',
        rows.map((r) => r.client_id),
      )
      .orderBy('scope_name')
      .execute();
    const byClient = new Map<string, string[]>();
    for (const link of links) byClient.set(link.client_id, [...(byClient.get(link.client_id) ?? []), link.scope_name]);
    return rows.map((row) => toClient(row, byClient.get(row.client_id) ?? []));
  }

  /**
   * The clients that cut off their earlier tokens (deactivated, or reactivated after it): each
   * with the issue time up to which its tokens are refused, every token for an inactive client.
   */
  async cutOffs(tenantId: string): Promise<ClientCutOff[]> {
    const rows = await this.db
      .selectFrom('clients')
      .select(['client_id', 'active', 'not_before'])
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('active', '=', 0), eb('not_before', '>', 0)]))
      .execute();
    return rows.map((row) => ({ clientId: row.client_id, issuedUpTo: row.active === 1 ? Number(row.not_before) : Number.MAX_SAFE_INTEGER }));
  }

  async nameTaken(tenantId: string, name: string, version: string, exceptClientId?: string): Promise<boolean> {
    const keys = nameSpellings(name).flatMap((spelling) => nameSpellings(version).map((v) => nameKey(spelling, v)));
    let query = this.db.selectFrom('clients').select('client_id').where('tenant_id', '=', tenantId).where('name_key', 'in', keys);
    if (exceptClientId) query = query.where('client_id', '!=', exceptClientId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  async insert(client: Client): Promise<void> {
    await this.db.insertInto('clients').values(toRow(client)).execute();
    await this.replaceScopes(client.tenantId, client.clientId, client.scopes);
  }

  async update(client: Client): Promise<void> {
    const { tenant_id, client_id, created_at, ...rest } = toRow(client);
    await this.db.updateTable('clients').set(rest).where('tenant_id', '=', tenant_id).where('client_id', '=', client_id).execute();
    await this.replaceScopes(client.tenantId, client.clientId, client.scopes);
  }

  /**
   * Replaces one stored secret hash if it is still `from` (a rehash under the current server-secret
   * version). It writes that column alone, so it cannot undo a change made meanwhile.
   */
  async swapSecretHash(tenantId: string, clientId: string, which: StoredSecret, from: string, to: string): Promise<boolean> {
    const column = SECRET_COLUMNS[which];
    const result = await this.db.updateTable('clients').set({ [column]: to }).where('tenant_id', '=', tenantId).where('client_id', '=', clientId).where(column, '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(tenantId: string, clientId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('clients').where('tenant_id', '=', tenantId).where('client_id', '=', clientId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async clientsUsingScope(tenantId: string, scopeName: string): Promise<string[]> {
    const rows = await this.db.selectFrom('client_scopes').select('client_id').where('tenant_id', '=', tenantId).where('scope_name', '=', scopeName).limit(20).execute();
    return rows.map((r) => r.client_id);
  }

  /** Clients limited to an API-key authentication type, with that type (a few, whatever the tenant's size). */
  async limitedToApiKeyAuthTypes(tenantId: string): Promise<{ client_id: string; type: string }[]> {
    const rows = await this.db
      .selectFrom('clients')
      .select(['client_id', 'api_key_allowed_auth_type'])
      .where('tenant_id', '=', tenantId)
      .where('api_key_allowed_auth_type', 'is not', null)
      .execute();
    return rows.map((row) => ({ client_id: row.client_id, type: row.api_key_allowed_auth_type! }));
  }

  private async scopesOf(tenantId: string, clientId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('client_scopes')
      .select('scope_name')
      .where('tenant_id', '=', tenantId)
      .where('client_id', '=', clientId)
      .orderBy('scope_name')
      .execute();
    return rows.map((r) => r.scope_name);
  }

  private async replaceScopes(tenantId: string, clientId: string, scopes: string[]): Promise<void> {
    await this.db.deleteFrom('client_scopes').where('tenant_id', '=', tenantId).where('client_id', '=', clientId).execute();
    if (scopes.length > 0) {
      await this.db
        .insertInto('client_scopes')
        .values(scopes.map((scope_name) => ({ tenant_id: tenantId, client_id: clientId, scope_name })))
        .execute();
    }
  }
}
