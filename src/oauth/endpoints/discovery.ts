/**
 * Authorization server metadata: RFC 8414 at /.well-known/oauth-authorization-server{issuer-path}
 * and OpenID discovery at {issuer}/.well-known/openid-configuration. It advertises exactly what
 * is enabled: grants the tenant allows and Gatehouse implements, and the endpoints that exist.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { resolveTenant } from '../../tenancy/resolve-tenant.js';
import { oauthErrorHandler } from '../render-error.js';
import type { Gatehouse } from '../../gatehouse.js';
import type { TenantContext } from '../../core/tenants.js';
import { grants, TOKEN_EXCHANGE } from '../grants/index.js';
import { allowCrossOrigin } from '../../http/cors.js';

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];

export async function serverMetadata(gh: Gatehouse, tenant: TenantContext): Promise<Record<string, unknown>> {
  const { issuer } = tenant;
  const scopes = await gh.scopes.byName(tenant.tenant.id);
  const allowed = tenant.tenant.settings.allowed_grants;
  const responseTypes = [...(allowed.includes('authorization_code') ? ['code'] : []), ...(allowed.includes('implicit') ? ['token'] : [])];
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    userinfo_endpoint: `${issuer}/oauth/userinfo`,
    jwks_uri: `${issuer}/oauth/jwks`,
    registration_endpoint: `${issuer}/oauth/register`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    end_session_endpoint: `${issuer}/oauth/logout`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    scopes_supported: [...scopes.keys()],
    response_types_supported: responseTypes,
    response_modes_supported: ['query', 'fragment'],
    // OpenID Connect Discovery §3 defaults request_uri_parameter_supported to true: say it is not.
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    grant_types_supported: [
      ...[...grants.keys(), 'implicit'].filter((grant) => allowed.includes(grant)),
      ...(tenant.tenant.settings.api_keys_enabled ? [TOKEN_EXCHANGE] : []),
    ],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    claims_supported: ['sub', 'name', 'given_name', 'family_name', 'preferred_username', 'email', 'email_verified'],
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    // RFC 7009 §2.1: a public client revokes its own tokens with its client_id alone.
    revocation_endpoint_auth_methods_supported: AUTH_METHODS,
    // Introspection is for confidential clients only.
    introspection_endpoint_auth_methods_supported: AUTH_METHODS.filter((m) => m !== 'none'),
    service_documentation: `${issuer}/admin/api/v1/openapi.json`,
  };
}

export function discoveryEndpoints(app: FastifyInstance, gh: Gatehouse): void {
  app.get('/.well-known/openid-configuration', async (request) => serverMetadata(gh, request.tenant));
}

/**
 * RFC 8414 §3: the well-known segment goes before the issuer's path, so the tenants' metadata
 * lives at the root (/.well-known/oauth-authorization-server/t/{id}), not under /t/{id}.
 */
export async function rfc8414Plugin(app: FastifyInstance, { gh }: { gh: Gatehouse }): Promise<void> {
  // CORS first: an unknown tenant's 404 must be readable too.
  allowCrossOrigin(app);
  resolveTenant(app, gh.tenants);
  app.setErrorHandler(oauthErrorHandler(gh.log));
  const handler = async (request: FastifyRequest) => serverMetadata(gh, request.tenant);
  app.get('/.well-known/oauth-authorization-server', handler);
  app.get('/.well-known/oauth-authorization-server/t/:tenant', handler);
}
