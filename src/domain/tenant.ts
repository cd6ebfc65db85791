/** A tenant ("repository" in GAM): its own issuer, keys, clients, users, scopes and settings. */

export const DEFAULT_TENANT_ID = 'default';
export const TENANT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export interface LockoutSettings {
  max_failures: number;
  wait_increment_s: number;
  max_wait_s: number;
  reset_after_s: number;
}

/**
 * Requests per fixed 60-second window; 0 = no limit. Per client = the claimed client_id of an
 * existing client (so failed authentications count too); per source = the request's address,
 * only where the caller is a person's browser; per account = the username typed, known or not.
 */
export interface RateLimitSettings {
  token_per_client_per_min: number;
  introspect_per_client_per_min: number;
  authorize_per_source_per_min: number;
  login_per_account_per_min: number;
  login_per_source_per_min: number;
}

export interface CompatSettings {
  oauth_scheme: boolean;
  json_token_body: boolean;
  query_refresh: boolean;
  gam: boolean;
}

export interface TenantSettings {
  require_pkce: boolean;
  allowed_grants: string[];
  allow_insecure_redirect_uris: boolean;
  /** Seconds in which a confidential client's retry of a refresh gets the same successor pair (RFC 9700 §4.14); 0 = off. */
  refresh_token_grace_s: number;
  /** The API-key authentication types (GAM): API keys can be exchanged for tokens. */
  api_keys_enabled: boolean;
  /**
   * The names of the tenant's API-key authentication types: GAM lets an administrator add them
   * under names of their choosing, and a request names one in `authentication_type_name`.
   */
  api_key_auth_types: string[];
  lockout: LockoutSettings;
  rate_limits: RateLimitSettings;
  compat: CompatSettings;
}

export const DEFAULT_API_KEY_AUTH_TYPE = 'apikey';

/** The tenant's API-key authentication type of that name (compared without case, as GAM does), in its stored spelling. */
export function apiKeyAuthType(settings: Pick<TenantSettings, 'api_key_auth_types'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return settings.api_key_auth_types.find((type) => type.toLowerCase() === wanted);
}

export const ALL_GRANTS = ['authorization_code', 'implicit', 'client_credentials', 'password', 'refresh_token'] as const;

export function defaultSettings(): TenantSettings {
  return {
    require_pkce: true,
    allowed_grants: [...ALL_GRANTS],
    allow_insecure_redirect_uris: false,
    refresh_token_grace_s: 0,
    api_keys_enabled: true,
    api_key_auth_types: [DEFAULT_API_KEY_AUTH_TYPE],
    lockout: { max_failures: 30, wait_increment_s: 60, max_wait_s: 900, reset_after_s: 43200 },
    // Machine clients burst legitimately, so token and introspection limits are opt-in; a person
    // signs in a few times a minute, so the browser-facing limits are on, generously.
    rate_limits: { token_per_client_per_min: 0, introspect_per_client_per_min: 0, authorize_per_source_per_min: 300, login_per_account_per_min: 30, login_per_source_per_min: 120 },
    compat: { oauth_scheme: false, json_token_body: false, query_refresh: false, gam: false },
  };
}

/** Stored settings merged over the defaults, so settings added later apply to existing tenants. */
export function settingsFromJson(json: string): TenantSettings {
  const stored = JSON.parse(json) as Partial<TenantSettings>;
  const defaults = defaultSettings();
  return {
    ...defaults,
    ...stored,
    lockout: { ...defaults.lockout, ...stored.lockout },
    rate_limits: { ...defaults.rate_limits, ...stored.rate_limits },
    compat: { ...defaults.compat, ...stored.compat },
  };
}

export interface Tenant {
  id: string;
  name: string;
  settings: TenantSettings;
  createdAt: number;
}
