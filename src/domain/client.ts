/**
 * Clients and their metadata (RFC 7591 §2 plus Gatehouse's own fields, INTERFACE.md).
 * Validation here is pure: it checks shapes and rules; whether scopes exist is checked by the caller.
 */
import { apiKeyAuthType, type TenantSettings } from './tenant.js';
import type { FieldError } from './errors.js';
import { DECEPTIVE_CHARACTERS } from './names.js';

export type AuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
export const AUTH_METHODS: AuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];
export const GRANT_TYPES = ['authorization_code', 'implicit', 'client_credentials', 'password', 'refresh_token'] as const;
export const RESPONSE_TYPES = ['code', 'token'] as const;

export interface ApiKeySettings {
  enabled: boolean;
  timeoutHours: number;
  allowedAuthType: string | null;
  scopeCustomization: boolean;
}

export interface Client {
  tenantId: string;
  clientId: string;
  clientName: string;
  clientVersion: string;
  description: string | null;
  tokenEndpointAuthMethod: AuthMethod;
  secretHash: string | null;
  /** 0 = the secret does not expire (RFC 7591 client_secret_expires_at). */
  secretExpiresAt: number;
  /** The secret a rotation replaced, still accepted until `expiresAt` so clients can switch without downtime. */
  previousSecret: PreviousSecret | null;
  redirectUris: string[];
  /** Where /oauth/logout may send the browser back, besides the redirect URIs. */
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  scopes: string[];
  /** Seconds; null = never expires (exp at the configured ceiling). */
  accessTokenLifetime: number | null;
  /** Refreshes per grant; null = unlimited; 0 = no refresh token. */
  refreshTokenLimit: number | null;
  /** null = the tenant's setting. */
  requirePkce: boolean | null;
  active: boolean;
  notBefore: number;
  apiKey: ApiKeySettings;
  registrationTokenHash: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface PreviousSecret {
  hash: string;
  expiresAt: number;
}

/** The longest a rotation lets the replaced secret keep working: a monthly deploy cycle, no longer. */
export const MAX_PREVIOUS_SECRET_VALIDITY_S = 30 * 86_400;
/** The longest lifetime a new secret may be given (`expires_in_s`). */
export const MAX_SECRET_LIFETIME_S = 10 * 365 * 86_400;

/**
 * What a rotation keeps of the replaced secret: valid `validForS` seconds more, never past its own
 * expiry. Only the secret being replaced is kept, so a rotation ends any earlier overlap.
 */
export function previousSecretAfterRotation(current: Pick<Client, 'secretHash' | 'secretExpiresAt'>, validForS: number, now: number): PreviousSecret | null {
  if (validForS <= 0 || current.secretHash === null) return null;
  const expiresAt = current.secretExpiresAt === 0 ? now + validForS : Math.min(now + validForS, current.secretExpiresAt);
  return expiresAt > now ? { hash: current.secretHash, expiresAt } : null;
}

export function isConfidential(client: Pick<Client, 'tokenEndpointAuthMethod'>): boolean {
  return client.tokenEndpointAuthMethod !== 'none';
}

/** The editable metadata, as validated from a request. */
export interface ClientMetadata {
  clientName: string;
  clientVersion: string;
  description: string | null;
  tokenEndpointAuthMethod: AuthMethod;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  scopes: string[] | undefined;
  accessTokenLifetime: number | null;
  refreshTokenLimit: number | null;
  requirePkce: boolean | null;
  active: boolean;
  apiKey: ApiKeySettings;
}

/** What an omitted field means at registration and in an RFC 7592 PUT (INTERFACE.md). */
const DEFAULT_GRANT_TYPES = ['authorization_code'];
const DEFAULT_ACCESS_TOKEN_LIFETIME_S = 3600;
const DEFAULT_REFRESH_TOKEN_LIMIT = 0;

/** null (never, unlimited) is more than any number. */
function exceeds(value: number | null, bound: number | null): boolean {
  if (bound === null) return false;
  return value === null || value > bound;
}

/**
 * What a client may not give itself with its registration access token (RFC 7592). An
 * administrator registered it and chose its privileges, so with its own token a client may narrow
 * them or return a field to its registration default (an RFC 7592 PUT resets omitted fields),
 * never go beyond both: no new scope, no new grant type, no longer-lived tokens or more refreshes,
 * no relaxed PKCE, no API keys switched on.
 */
export function selfServiceWidening(current: Client, next: ClientMetadata): FieldError[] {
  const errors: FieldError[] = [];
  const refuse = (field: string, what: string) => errors.push({ field, message: `only an administrator can ${what}` });
  const addedScopes = (next.scopes ?? []).filter((scope) => !current.scopes.includes(scope));
  if (addedScopes.length > 0) refuse('scope', `associate new scopes (${addedScopes.join(' ')})`);
  const addedGrants = next.grantTypes.filter((grant) => !current.grantTypes.includes(grant) && !DEFAULT_GRANT_TYPES.includes(grant));
  if (addedGrants.length > 0) refuse('grant_types', `allow new grant types (${addedGrants.join(' ')})`);
  if (exceeds(next.accessTokenLifetime, maxOf(current.accessTokenLifetime, DEFAULT_ACCESS_TOKEN_LIFETIME_S))) refuse('access_token_lifetime', 'lengthen the access token lifetime');
  if (exceeds(next.refreshTokenLimit, maxOf(current.refreshTokenLimit, DEFAULT_REFRESH_TOKEN_LIMIT))) refuse('refresh_token_limit', 'raise the refresh token limit');
  if (next.requirePkce === false && current.requirePkce !== false) refuse('require_pkce', 'relax the PKCE requirement');
  if (next.apiKey.enabled && !current.apiKey.enabled) refuse('api_key_enabled', 'enable API keys');
  if (next.apiKey.scopeCustomization && !current.apiKey.scopeCustomization) refuse('api_key_scope_customization', 'enable API key scope customization');
  if (current.apiKey.allowedAuthType !== null && next.apiKey.allowedAuthType !== current.apiKey.allowedAuthType) refuse('api_key_allowed_auth_type', 'change the authentication type API keys are limited to');
  return errors;
}

function maxOf(a: number | null, b: number): number | null {
  return a === null ? null : Math.max(a, b);
}

export class MetadataError extends Error {
  constructor(
    readonly code: 'invalid_client_metadata' | 'invalid_redirect_uri',
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** RFC 3986 §3 characters only (unreserved, reserved, percent), after a scheme. */
const URI_SYNTAX = /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

/** Whether a URI is written with RFC 3986 characters only (no space, backslash, control or non-ASCII character, no stray %). */
export function isUriSyntax(uri: string): boolean {
  return URI_SYNTAX.test(uri) && !/%(?![0-9A-Fa-f]{2})/.test(uri);
}

function uriSyntaxError(uri: string): string | undefined {
  if (!isUriSyntax(uri)) return `"${uri}" is not an absolute URI (RFC 3986: no spaces, backslashes or stray %)`;
  if (/^https?:/i.test(uri) && !/^https?:\/\/[^/]/i.test(uri)) return `"${uri}" must name a host after "//"`;
  return undefined;
}

export function redirectUriError(uri: string, settings: Pick<TenantSettings, 'allow_insecure_redirect_uris'>): string | undefined {
  // WHATWG URL parsing repairs what RFC 3986 refuses (spaces, backslashes, a missing "//"), while
  // the authorization endpoint compares redirect URIs as strings: only well-formed ones are stored.
  const syntax = uriSyntaxError(uri);
  if (syntax) return syntax;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri}" is not an absolute URI`;
  }
  if (uri.includes('#')) return `"${uri}" must not contain a fragment (RFC 6749 §3.1.2)`;
  if (['javascript:', 'data:', 'file:', 'vbscript:', 'blob:'].includes(url.protocol)) return `the ${url.protocol} scheme is not allowed`;
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !settings.allow_insecure_redirect_uris) {
    return `"${uri}" uses http on a non-loopback host; use https (or enable allow_insecure_redirect_uris for the tenant)`;
  }
  if ((url.protocol === 'http:' || url.protocol === 'https:') && (url.username || url.password)) return `"${uri}" must not contain credentials`;
  return undefined;
}

type Input = Record<string, unknown>;

function has(input: Input, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(input, key);
}

function stringField(input: Input, key: string, max = 200): string | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new MetadataError('invalid_client_metadata', key, `${key} must be a string`);
  if (value.length > max) throw new MetadataError('invalid_client_metadata', key, `${key} must be at most ${max} characters`);
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new MetadataError('invalid_client_metadata', key, `${key} must not contain control characters`);
  return value;
}

/** The API-key authentication type the input limits the application's keys to, in the tenant's spelling; null = any. */
function allowedApiKeyAuthType(input: Input, settings: TenantSettings): string | null {
  if (input.api_key_allowed_auth_type === null) return null;
  const name = stringField(input, 'api_key_allowed_auth_type', 100)!;
  const type = apiKeyAuthType(settings, name);
  if (!type) {
    throw new MetadataError('invalid_client_metadata', 'api_key_allowed_auth_type', `"${name}" is not an API-key authentication type of this tenant (settings.api_key_auth_types: ${settings.api_key_auth_types.join(', ')})`);
  }
  return type;
}

function stringList(input: Input, key: string): string[] | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new MetadataError(key === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata', key, `${key} must be an array of strings`);
  }
  if (value.length > 100) throw new MetadataError('invalid_client_metadata', key, `${key} has more than 100 entries`);
  if ((value as string[]).some((item) => item.length > 2000 || /[\u0000-\u001f\u007f]/.test(item))) {
    throw new MetadataError(key === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata', key, `${key} entries must be at most 2000 characters without control characters`);
  }
  return [...new Set(value as string[])];
}

function nullableCount(input: Input, key: string, min: number, max: number, fallback: number | null): number | null {
  if (!has(input, key)) return fallback;
  const value = input[key];
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new MetadataError('invalid_client_metadata', key, `${key} must be null or a whole number from ${min} to ${max}`);
  }
  return value;
}

function bool(input: Input, key: string, fallback: boolean): boolean {
  if (!has(input, key)) return fallback;
  const value = input[key];
  if (typeof value !== 'boolean') throw new MetadataError('invalid_client_metadata', key, `${key} must be true or false`);
  return value;
}

export interface MetadataContext {
  settings: TenantSettings;
  maxTokenLifetimeS: number;
  /** The current client for PATCH: omitted fields keep their value. Absent for POST and RFC 7592 PUT, where omitted fields take their defaults. */
  base?: ClientMetadata;
}

/**
 * Validates registration metadata into a ClientMetadata. With `base` (PATCH) omitted fields keep
 * their values; without it (POST, RFC 7592 PUT) they take the defaults of INTERFACE.md.
 */
export function parseClientMetadata(input: Input, ctx: MetadataContext): ClientMetadata {
  const base = ctx.base;
  const clientName = stringField(input, 'client_name') ?? base?.clientName;
  if (!clientName || !clientName.trim()) throw new MetadataError('invalid_client_metadata', 'client_name', 'client_name is required');
  // The consent page shows it: it must not pass itself off as another application's name.
  if (clientName !== base?.clientName && DECEPTIVE_CHARACTERS.test(clientName)) throw new MetadataError('invalid_client_metadata', 'client_name', 'client_name must not contain invisible spaces or text-direction overrides');
  const clientVersion = stringField(input, 'client_version', 50) ?? base?.clientVersion ?? '1';
  if (!clientVersion.trim()) throw new MetadataError('invalid_client_metadata', 'client_version', 'client_version must not be empty');

  const method = (stringField(input, 'token_endpoint_auth_method') ?? base?.tokenEndpointAuthMethod ?? 'client_secret_basic') as AuthMethod;
  if (!AUTH_METHODS.includes(method)) {
    throw new MetadataError('invalid_client_metadata', 'token_endpoint_auth_method', `token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
  }
  const confidential = method !== 'none';

  const grantTypes = stringList(input, 'grant_types') ?? base?.grantTypes ?? DEFAULT_GRANT_TYPES;
  for (const grant of grantTypes) {
    if (!(GRANT_TYPES as readonly string[]).includes(grant)) {
      throw new MetadataError('invalid_client_metadata', 'grant_types', `unsupported grant type "${grant}"; supported: ${GRANT_TYPES.join(', ')}`);
    }
    if (!ctx.settings.allowed_grants.includes(grant)) {
      throw new MetadataError('invalid_client_metadata', 'grant_types', `grant type "${grant}" is disabled in this tenant (settings.allowed_grants)`);
    }
  }
  if (!confidential && (grantTypes.includes('client_credentials') || grantTypes.includes('password'))) {
    throw new MetadataError('invalid_client_metadata', 'grant_types', 'public clients (token_endpoint_auth_method "none") cannot use client_credentials or password');
  }

  // Implicit is never inferred: INTERFACE.md wants it asked for twice, as grant and as response type.
  const defaultResponseTypes = grantTypes.includes('authorization_code') ? ['code'] : [];
  const responseTypes = stringList(input, 'response_types') ?? (has(input, 'grant_types') ? undefined : base?.responseTypes) ?? defaultResponseTypes;
  for (const type of responseTypes) {
    if (!(RESPONSE_TYPES as readonly string[]).includes(type)) {
      throw new MetadataError('invalid_client_metadata', 'response_types', `unsupported response type "${type}"; supported: code, token`);
    }
  }
  // RFC 7591 §2.1: grant_types and response_types must agree.
  if (responseTypes.includes('code') !== grantTypes.includes('authorization_code')) {
    throw new MetadataError('invalid_client_metadata', 'response_types', 'response type "code" goes together with grant type "authorization_code"');
  }
  if (responseTypes.includes('token') !== grantTypes.includes('implicit')) {
    const message = responseTypes.includes('token') ? 'response type "token" goes together with grant type "implicit"' : 'grant type "implicit" needs response_types ["token"] too (RFC 9700 discourages implicit: it is never on by default)';
    throw new MetadataError('invalid_client_metadata', 'response_types', message);
  }

  const redirectUris = stringList(input, 'redirect_uris') ?? base?.redirectUris ?? [];
  for (const uri of redirectUris) {
    const error = redirectUriError(uri, ctx.settings);
    if (error) throw new MetadataError('invalid_redirect_uri', 'redirect_uris', error);
  }
  if (redirectUris.length === 0 && (grantTypes.includes('authorization_code') || grantTypes.includes('implicit'))) {
    throw new MetadataError('invalid_redirect_uri', 'redirect_uris', 'at least one redirect URI is required for authorization_code and implicit');
  }

  const postLogoutRedirectUris = stringList(input, 'post_logout_redirect_uris') ?? base?.postLogoutRedirectUris ?? [];
  for (const uri of postLogoutRedirectUris) {
    const error = redirectUriError(uri, ctx.settings);
    if (error) throw new MetadataError('invalid_client_metadata', 'post_logout_redirect_uris', error);
  }

  let scopes: string[] | undefined = base?.scopes;
  if (has(input, 'scope')) {
    const raw = input.scope;
    if (typeof raw !== 'string') throw new MetadataError('invalid_client_metadata', 'scope', 'scope must be a space-separated string');
    scopes = raw.trim() === '' ? [] : [...new Set(raw.trim().split(/ +/))];
  }

  const requirePkceInput = has(input, 'require_pkce') ? input.require_pkce : base ? base.requirePkce : null;
  if (requirePkceInput !== null && typeof requirePkceInput !== 'boolean') {
    throw new MetadataError('invalid_client_metadata', 'require_pkce', 'require_pkce must be true, false or null');
  }
  if (requirePkceInput === false && !confidential) {
    throw new MetadataError('invalid_client_metadata', 'require_pkce', 'public clients always use PKCE (RFC 9700 §2.1.1)');
  }

  const allowedAuthType = has(input, 'api_key_allowed_auth_type') ? allowedApiKeyAuthType(input, ctx.settings) : (base?.apiKey.allowedAuthType ?? null);

  return {
    clientName: clientName.trim(),
    clientVersion: clientVersion.trim(),
    description: has(input, 'description') ? (input.description === null ? null : (stringField(input, 'description', 2000) ?? null)) : (base?.description ?? null),
    tokenEndpointAuthMethod: method,
    redirectUris,
    postLogoutRedirectUris,
    grantTypes,
    responseTypes,
    scopes,
    accessTokenLifetime: nullableCount(input, 'access_token_lifetime', 1, ctx.maxTokenLifetimeS, base ? base.accessTokenLifetime : DEFAULT_ACCESS_TOKEN_LIFETIME_S),
    refreshTokenLimit: nullableCount(input, 'refresh_token_limit', 0, 1_000_000_000, base ? base.refreshTokenLimit : DEFAULT_REFRESH_TOKEN_LIMIT),
    requirePkce: requirePkceInput,
    active: bool(input, 'active', base?.active ?? true),
    apiKey: {
      enabled: bool(input, 'api_key_enabled', base?.apiKey.enabled ?? false),
      timeoutHours: nullableCount(input, 'api_key_timeout_hours', 0, 1_000_000, base?.apiKey.timeoutHours ?? 0) ?? 0,
      allowedAuthType,
      scopeCustomization: bool(input, 'api_key_scope_customization', base?.apiKey.scopeCustomization ?? false),
    },
  };
}

/** The metadata of an existing client, as the base for a PATCH. */
export function metadataOf(client: Client): ClientMetadata {
  return {
    clientName: client.clientName,
    clientVersion: client.clientVersion,
    description: client.description,
    tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
    redirectUris: client.redirectUris,
    postLogoutRedirectUris: client.postLogoutRedirectUris,
    grantTypes: client.grantTypes,
    responseTypes: client.responseTypes,
    scopes: client.scopes,
    accessTokenLifetime: client.accessTokenLifetime,
    refreshTokenLimit: client.refreshTokenLimit,
    requirePkce: client.requirePkce,
    active: client.active,
    apiKey: client.apiKey,
  };
}

/** The public representation (registration response, admin API), never with a secret or hash. */
export function clientView(client: Client, effectiveRequirePkce: boolean): Record<string, unknown> {
  return {
    client_id: client.clientId,
    client_name: client.clientName,
    client_version: client.clientVersion,
    description: client.description,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    client_type: isConfidential(client) ? 'confidential' : 'public',
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: client.grantTypes,
    response_types: client.responseTypes,
    scope: client.scopes.join(' '),
    access_token_lifetime: client.accessTokenLifetime,
    refresh_token_limit: client.refreshTokenLimit,
    require_pkce: effectiveRequirePkce,
    // What the client itself asks for, so an editor can show and keep "the tenant's setting".
    require_pkce_override: client.requirePkce,
    active: client.active,
    api_key_enabled: client.apiKey.enabled,
    api_key_timeout_hours: client.apiKey.timeoutHours,
    api_key_allowed_auth_type: client.apiKey.allowedAuthType,
    api_key_scope_customization: client.apiKey.scopeCustomization,
    client_id_issued_at: client.createdAt,
    ...(isConfidential(client) ? { client_secret_expires_at: client.secretExpiresAt } : {}),
  };
}
