/**
 * Row types of the store. Times are whole seconds since the epoch; booleans are 0/1 integers and
 * lists are JSON text, so one schema serves SQLite and PostgreSQL alike.
 */
import type { Generated } from 'kysely';

export interface TenantRow {
  id: string;
  name: string;
  settings: string;
  created_at: number;
}

export interface TenantTombstoneRow {
  id: string;
  deleted_at: number;
}

export interface SigningKeyRow {
  kid: string;
  tenant_id: string;
  alg: string;
  public_jwk: string;
  /** PKCS#8 PEM sealed with the server secret (crypto/server-secret.ts). */
  private_key: string;
  created_at: number;
  /** No node signs with the key before this time; it is published from creation. */
  activates_at: number;
  /** Set once a successor is active: the key stays in the JWKS until every token it signed expired. */
  publish_until: number | null;
  /** Withdrawn (e.g. leaked): out of the JWKS and its tokens refused from this time on; the row stays for audit. */
  withdrawn_at?: number | null;
  withdrawn_reason?: string | null;
}

export interface ClientRow {
  tenant_id: string;
  client_id: string;
  client_name: string;
  client_version: string;
  /** JSON of [lower(name), lower(version)]: names and versions are unique per tenant, case-insensitively. */
  name_key: string;
  description: string | null;
  token_endpoint_auth_method: string;
  secret_hash: string | null;
  secret_expires_at: number;
  /** The replaced secret during a rotation's overlap: it authenticates until previous_secret_expires_at. */
  previous_secret_hash: string | null;
  previous_secret_expires_at: number | null;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  grant_types: string;
  response_types: string;
  access_token_lifetime: number | null;
  refresh_token_limit: number | null;
  require_pkce: number | null;
  active: number;
  /** Tokens issued at or before this time are refused (deactivation; stays after reactivation). */
  not_before: number;
  api_key_enabled: number;
  api_key_timeout_hours: number;
  api_key_allowed_auth_type: string | null;
  api_key_scope_customization: number;
  registration_token_hash: string | null;
  created_at: number;
  updated_at: number;
}

export interface ClientScopeRow {
  tenant_id: string;
  client_id: string;
  scope_name: string;
}

export interface ScopeRow {
  tenant_id: string;
  name: string;
  name_key: string;
  description: string;
  services: string;
  roles: string;
  created_at: number;
  updated_at: number;
}

export interface TokenRow {
  jti: string;
  tenant_id: string;
  client_id: string;
  subject: string;
  scope: string;
  grant_type: string;
  kid: string;
  issued_at: number;
  expires_at: number;
  never_expires: number;
  family_id: string | null;
  revoked_at: number | null;
  revoked_reason: string | null;
}

export interface EventRow {
  id: Generated<number>;
  tenant_id: string;
  kind: string;
  target: string;
  payload: string;
  created_at: number;
}

export interface AuditEventRow {
  id: Generated<number>;
  tenant_id: string;
  actor: string;
  action: string;
  target: string;
  source: string | null;
  detail: string;
  created_at: number;
}

export interface UserRow {
  tenant_id: string;
  id: string;
  username: string;
  username_key: string;
  password_hash: string | null;
  email: string | null;
  email_verified: number;
  given_name: string | null;
  family_name: string | null;
  external_id: string | null;
  roles: string;
  disabled: number;
  not_before: number;
  created_at: number;
  updated_at: number;
}

export interface SessionRow {
  id: string;
  tenant_id: string;
  user_id: string;
  auth_time: number;
  expires_at: number;
}

export interface AuthorizationRequestRow {
  id: string;
  tenant_id: string;
  client_id: string;
  params: string;
  expires_at: number;
}

export interface AuthorizationCodeRow {
  id: string;
  tenant_id: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  scope: string;
  code_challenge: string | null;
  nonce: string | null;
  auth_time: number;
  family_id: string;
  expires_at: number;
  used_at: number | null;
}

export interface GrantFamilyRow {
  id: string;
  tenant_id: string;
  client_id: string;
  user_id: string;
  scope: string;
  auth_time: number;
  refresh_count_left: number | null;
  created_at: number;
  revoked_at: number | null;
  api_key_id?: string | null;
}

export interface RefreshTokenRow {
  id: string;
  tenant_id: string;
  family_id: string;
  client_id: string;
  scope: string;
  access_jti: string;
  issued_at: number;
  rotated_at: number | null;
  successor: string | null;
}

export interface ConsentRow {
  tenant_id: string;
  user_id: string;
  client_id: string;
  scope: string;
  created_at: number;
}

export interface LoginFailureRow {
  tenant_id: string;
  key: string;
  failures: number;
  last_failure_at: number;
  locked_until: number;
}

export interface RateLimitCounterRow {
  tenant_id: string;
  kind: string;
  key: string;
  /** Start of the fixed 60-second window, in seconds. */
  window_start: number;
  /** Units taken in the window, refused requests included: it may exceed the limit. */
  used: number;
}

export interface ServiceRow {
  tenant_id: string;
  name: string;
  /** lower(name), or name where migration 011 kept names differing only by case; null if written by a node older than 011. */
  name_key: string | null;
  path_prefix: string;
  upstream: string;
  timeout_ms: number;
  pass_token: number;
  created_at: number;
  updated_at: number;
}

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  user_id: string;
  client_id: string;
  key_hash: string;
  /** The first characters of the key, to tell keys apart in lists. */
  hint: string;
  scope: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  /** Set for good when the application stopped publishing a scope of the key (seed 004). */
  invalidated_reason: string | null;
}

export interface Database {
  tenants: TenantRow;
  tenant_tombstones: TenantTombstoneRow;
  signing_keys: SigningKeyRow;
  clients: ClientRow;
  client_scopes: ClientScopeRow;
  scopes: ScopeRow;
  tokens: TokenRow;
  events: EventRow;
  audit_events: AuditEventRow;
  users: UserRow;
  sessions: SessionRow;
  authorization_requests: AuthorizationRequestRow;
  authorization_codes: AuthorizationCodeRow;
  grant_families: GrantFamilyRow;
  refresh_tokens: RefreshTokenRow;
  consents: ConsentRow;
  login_failures: LoginFailureRow;
  rate_limit_counters: RateLimitCounterRow;
  services: ServiceRow;
  api_keys: ApiKeyRow;
}
