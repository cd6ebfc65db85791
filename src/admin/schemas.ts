/** TypeBox schemas of the admin API: request validation, response serialisation and OpenAPI from one source. */
import { Type, type TSchema } from '@sinclair/typebox';
import { CUT_OFFS } from '../core/token-cut-offs.js';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const FieldErrorSchema = Type.Object({ field: Type.String(), message: Type.String() });
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(FieldErrorSchema)),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

export const PageQuerySchema = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'page size, 1–500 (default 50)' })),
    cursor: Type.Optional(Type.String({ description: 'next_cursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), next_cursor: Nullable(Type.String()) });

const clientFields = {
  client_name: Type.String({ maxLength: 200 }),
  client_version: Type.String({ maxLength: 50 }),
  description: Nullable(Type.String({ maxLength: 2000 })),
  token_endpoint_auth_method: Type.Union([Type.Literal('client_secret_basic'), Type.Literal('client_secret_post'), Type.Literal('none')]),
  redirect_uris: Type.Array(Type.String()),
  post_logout_redirect_uris: Type.Array(Type.String({ description: 'where /oauth/logout may send the browser back, besides redirect_uris (OpenID Connect RP-Initiated Logout)' })),
  grant_types: Type.Array(Type.String()),
  response_types: Type.Array(Type.String()),
  scope: Type.String({ description: 'space-separated scopes associated with the client' }),
  access_token_lifetime: Nullable(Type.Integer({ minimum: 1, description: 'seconds; null = never expires' })),
  refresh_token_limit: Nullable(Type.Integer({ minimum: 0, description: 'null = unlimited; 0 = no refresh token' })),
  require_pkce: Nullable(Type.Boolean()),
  active: Type.Boolean(),
  api_key_enabled: Type.Boolean(),
  api_key_timeout_hours: Type.Integer({ minimum: 0, description: '0 = keys never expire' }),
  api_key_allowed_auth_type: Nullable(Type.String()),
  api_key_scope_customization: Type.Boolean(),
};

export const ClientInputSchema = Type.Partial(Type.Object(clientFields), { additionalProperties: false });

export const ClientSchema = Type.Object(
  {
    client_id: Type.String(),
    ...clientFields,
    require_pkce: Type.Boolean({ description: 'whether the client must use PKCE: its own require_pkce_override, else the tenant setting (public clients: always)' }),
    require_pkce_override: Nullable(Type.Boolean({ description: 'the client’s own require_pkce as stored; null = it follows the tenant setting. Send it back as require_pkce to keep it' })),
    client_type: Type.Union([Type.Literal('confidential'), Type.Literal('public')]),
    client_id_issued_at: Type.Integer(),
    client_secret_expires_at: Type.Optional(Type.Integer()),
    client_secret: Type.Optional(Type.String({ description: 'shown once, at creation or regeneration' })),
    registration_access_token: Type.Optional(Type.String()),
    registration_client_uri: Type.Optional(Type.String()),
  },
  { $id: 'Client' },
);

export const ScopeInputSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    services: Type.Optional(Type.Array(Type.String(), { description: 'URL patterns: "[METHODS ]/path", "*" = one segment, trailing "/**" = any depth' })),
    roles: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

export const ScopeSchema = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    services: Type.Array(Type.String()),
    roles: Type.Array(Type.String()),
    built_in: Type.Boolean(),
    created_at: Type.Integer(),
    updated_at: Type.Integer(),
  },
  { $id: 'Scope' },
);

export const TokenSchema = Type.Object(
  {
    id: Type.String({ description: 'the access token’s jti' }),
    client_id: Type.String(),
    subject: Type.String(),
    scope: Type.String(),
    grant_type: Type.String(),
    issued_at: Type.Integer(),
    expires_at: Nullable(Type.Integer({ description: 'null = never expires' })),
    status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
    cut_off: Nullable(
      Type.Union(CUT_OFFS.map((cutOff) => Type.Literal(cutOff)), {
        description:
          'why a token that was never revoked is refused for good all the same (and listed as revoked): its client was deleted or deactivated, its user is no longer valid, or its signing key withdrawn; null otherwise. Disabling a user or changing their credentials revokes their tokens (see revoked_reason), so user_invalid shows only for a token recorded after that revocation',
      }),
    ),
    revoked_reason: Nullable(Type.String({ description: 'what revoked the token (an administrator, its client, a replayed code, a reused refresh token, its user’s change, …); null unless revoked' })),
    refresh_count_left: Nullable(Type.Integer({ description: 'null = unlimited' })),
  },
  { $id: 'Token' },
);

export const TokenQuerySchema = Type.Object(
  {
    ...PageQuerySchema.properties,
    client_id: Type.Optional(Type.String()),
    subject: Type.Optional(Type.String()),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')])),
  },
  { additionalProperties: false },
);

export const TokenCreateSchema = Type.Object(
  {
    client_id: Type.String(),
    scope: Type.Optional(Type.String()),
    expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, default: 30 })),
  },
  { additionalProperties: false },
);

export const IssuedTokenSchema = Type.Object({ id: Type.String(), access_token: Type.String(), expires_at: Type.Integer(), token_type: Type.String(), scope: Type.String() });

export const AuditEventSchema = Type.Object({
  id: Type.Integer(),
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  source: Nullable(Type.String()),
  detail: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.Integer(),
});

const lockout = Type.Object(
  {
    max_failures: Type.Integer({ minimum: 1, maximum: 1000 }),
    wait_increment_s: Type.Integer({ minimum: 0, maximum: 86400 }),
    max_wait_s: Type.Integer({ minimum: 0, maximum: 604800 }),
    reset_after_s: Type.Integer({ minimum: 1, maximum: 31536000 }),
  },
  { additionalProperties: false },
);
const perMinute = Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'requests per 60 s window; 0 = no limit' });
const rateLimits = Type.Object(
  {
    token_per_client_per_min: perMinute,
    introspect_per_client_per_min: perMinute,
    authorize_per_source_per_min: perMinute,
    login_per_account_per_min: perMinute,
    login_per_source_per_min: perMinute,
  },
  { additionalProperties: false },
);
const compat = Type.Object(
  { oauth_scheme: Type.Boolean(), json_token_body: Type.Boolean(), query_refresh: Type.Boolean(), gam: Type.Boolean() },
  { additionalProperties: false },
);
export const SettingsSchema = Type.Object({
  require_pkce: Type.Boolean(),
  allowed_grants: Type.Array(Type.String()),
  allow_insecure_redirect_uris: Type.Boolean(),
  refresh_token_grace_s: Type.Integer(),
  api_keys_enabled: Type.Boolean(),
  api_key_auth_types: Type.Array(Type.String()),
  lockout,
  rate_limits: rateLimits,
  compat,
});
export const SettingsPatchSchema = Type.Object(
  {
    require_pkce: Type.Optional(Type.Boolean()),
    allowed_grants: Type.Optional(Type.Array(Type.Union([Type.Literal('authorization_code'), Type.Literal('implicit'), Type.Literal('client_credentials'), Type.Literal('password'), Type.Literal('refresh_token')]))),
    allow_insecure_redirect_uris: Type.Optional(Type.Boolean()),
    refresh_token_grace_s: Type.Optional(Type.Integer({ minimum: 0, maximum: 300, description: 'retry grace for confidential clients’ refreshes; 0 = off' })),
    api_keys_enabled: Type.Optional(Type.Boolean({ description: 'the API-key authentication types (GAM): keys can be exchanged for tokens' })),
    api_key_auth_types: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }), {
        minItems: 1,
        maxItems: 20,
        description: 'names of the API-key authentication types, sent as authentication_type_name (GAM); unique without case',
      }),
    ),
    lockout: Type.Optional(Type.Partial(lockout, { additionalProperties: false })),
    rate_limits: Type.Optional(Type.Partial(rateLimits, { additionalProperties: false })),
    compat: Type.Optional(Type.Partial(compat, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

// Described with the media type the errors are sent with (RFC 9457 §3), not the default application/json.
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } } });

export const errorResponses = {
  400: problemResponse('the request is malformed or fails validation (errors lists the fields)'),
  401: problemResponse('no valid bearer token'),
  403: problemResponse('the token lacks scope admin or administers another tenant'),
  404: problemResponse('no such object, or no such tenant'),
  409: problemResponse('a duplicate, or an object still in use'),
};

export const UserInputSchema = Type.Object(
  {
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String({ description: 'at least 8 characters; never returned' })),
    email: Type.Optional(Nullable(Type.String())),
    email_verified: Type.Optional(Type.Boolean()),
    given_name: Type.Optional(Nullable(Type.String())),
    family_name: Type.Optional(Nullable(Type.String())),
    external_id: Type.Optional(Nullable(Type.String())),
    roles: Type.Optional(Type.Array(Type.String())),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const UserSchema = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    email: Nullable(Type.String()),
    email_verified: Type.Boolean(),
    given_name: Nullable(Type.String()),
    family_name: Nullable(Type.String()),
    external_id: Nullable(Type.String()),
    roles: Type.Array(Type.String()),
    disabled: Type.Boolean(),
    created_at: Type.Integer(),
    updated_at: Type.Integer(),
  },
  { $id: 'User' },
);
