/**
 * The token endpoint (RFC 6749 §3.2), as an ordered list of steps: no-store → parameters →
 * client authentication → grant checks → dispatch. Also mounted at GAM's aliases
 * /oauth/access_token and /oauth/gam/v2.0/access_token (INTERFACE.md), and at webMethods' paths.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';
import { invalidRequest, OAuthError, unauthorizedClient } from '../errors.js';
import { formBody, refuseCredentialsInQuery, singleValued, type Params } from '../params.js';
import { presentedCredentials } from '../client-auth.js';
import { grants, selectGrant, unsupportedGrantType } from '../grants/index.js';
import type { TokenResponse } from '../grants/types.js';
import type { TenantContext } from '../../core/tenants.js';
import { DEFAULT_TENANT_ID } from '../../domain/tenant.js';
import { GAM_FULL_CONTROL } from '../../domain/scope.js';
import { limitClient } from '../../ratelimit/guards.js';
import { isStoreUnavailable } from '../../store/errors.js';
import type { GatehouseMetrics } from '../../metrics/gatehouse-metrics.js';

const GAM_TOKEN_PATH = '/oauth/gam/v2.0/access_token';
const GAM_PATHS = ['/oauth/access_token', GAM_TOKEN_PATH];
/** webMethods API Gateway's (seed 002) and webMethods.io's (seed 003): clients moving over keep their paths. */
const WEBMETHODS_TOKEN_PATHS = ['/invoke/pub.apigateway.oauth2/getAccessToken', '/integration/rest/oAuth/getToken'];
export const TOKEN_PATHS = ['/oauth/token', ...GAM_PATHS, ...WEBMETHODS_TOKEN_PATHS];

/**
 * The response as GAM 18 shows it (seed 004), only on its own path with compat.gam on:
 * `expires_in: 0`, an empty refresh_token rather than none, scopes joined with "+".
 */
function gamTokenResponse(response: TokenResponse): Record<string, unknown> {
  return { ...response, expires_in: 0, refresh_token: response.refresh_token ?? '', scope: response.scope.split(' ').join('+') };
}

/** Step 2: the request's parameters, from the form body (JSON only with compat.json_token_body). */
function tokenParams(request: FastifyRequest, tenant: TenantContext): Params {
  const query = singleValued(request.query, 'query string');
  const { compat } = tenant.tenant.settings;
  const body = formBody(request, compat.json_token_body);
  // webMethods.io (seed 003) refreshes with query parameters and no body: only that exact shape,
  // only with compat.query_refresh, and only with Basic client authentication.
  const queryRefresh =
    compat.query_refresh &&
    query.grant_type === 'refresh_token' &&
    Object.keys(body).length === 0 &&
    /^basic /i.test(request.headers.authorization ?? '');
  if (queryRefresh) return query;
  refuseCredentialsInQuery(query);
  for (const name of Object.keys(query)) {
    if (name in body) throw invalidRequest(`parameter "${name}" is included more than once (query and body)`);
  }
  return body;
}

function withoutScope({ scope: _scope, ...rest }: Params): Params {
  return rest;
}

/**
 * GAM's `additional_parameters` (seed 001), read where compat.gam is on: `AuthenticationTypeName`
 * names the authentication type as `authentication_type_name` does (unless that is sent as
 * well), and at the default tenant's endpoint `Repository` sends the request to that tenant.
 */
async function gamSelection(gh: Gatehouse, tenant: TenantContext, params: Params): Promise<{ tenant: TenantContext; params: Params }> {
  if (params.additional_parameters === undefined || !tenant.tenant.settings.compat.gam) return { tenant, params };
  let additional: { Repository?: unknown; AuthenticationTypeName?: unknown };
  try {
    additional = JSON.parse(params.additional_parameters) as typeof additional;
  } catch {
    throw invalidRequest('additional_parameters must be a JSON object');
  }
  if (typeof additional !== 'object' || additional === null) throw invalidRequest('additional_parameters must be a JSON object');
  const { Repository: repository, AuthenticationTypeName: authType } = additional;
  if (authType !== undefined && typeof authType !== 'string') throw invalidRequest('additional_parameters.AuthenticationTypeName must be a string');
  const withAuthType = authType === undefined || params.authentication_type_name !== undefined ? params : { ...params, authentication_type_name: authType };
  if (repository === undefined || tenant.tenant.id !== DEFAULT_TENANT_ID) return { tenant, params: withAuthType };
  // Tenant ids are lower case; GAM's Repository GUIDs are compared without case.
  const selected = typeof repository === 'string' ? await gh.tenants.get(repository.toLowerCase()) : undefined;
  if (!selected || !selected.tenant.settings.compat.gam) throw invalidRequest('additional_parameters.Repository names no tenant that accepts GAM requests');
  return { tenant: selected, params: withAuthType };
}

/**
 * Counts the request under its grant (a bounded label: unknown grant types are "unsupported") and
 * outcome: ok, the OAuth error code, `rate_limited` for a 429, `temporarily_unavailable` for an
 * unreachable store, `server_error` for a bug.
 */
async function counted<T>(metrics: GatehouseMetrics, params: Params, run: () => Promise<T>): Promise<T> {
  // GAM's API-key exchange counts as the password grant it is sent as.
  const grantType = params.grant_type !== undefined && grants.has(params.grant_type) ? params.grant_type : 'unsupported';
  try {
    const result = await run();
    metrics.grants.inc({ grant_type: grantType, outcome: 'ok' });
    metrics.tokensIssued.inc({ grant_type: grantType });
    return result;
  } catch (error) {
    const outcome = error instanceof OAuthError ? (error.status === 429 ? 'rate_limited' : error.error) : isStoreUnavailable(error) ? 'temporarily_unavailable' : 'server_error';
    metrics.grants.inc({ grant_type: grantType, outcome });
    throw error;
  }
}

export function tokenEndpoint(app: FastifyInstance, gh: Gatehouse): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    const params = tokenParams(request, request.tenant);
    return counted(gh.metrics, params, () => respond(request, reply, params));
  };
  const respond = async (request: FastifyRequest, reply: FastifyReply, requested: Params) => {
    const { tenant, params } = await gamSelection(gh, request.tenant, requested);
    const presented = presentedCredentials(request, params);
    await limitClient(gh, tenant, 'token_client', presented.clientId, request.ip);
    const client = await gh.clientAuth.authenticate(tenant.tenant.id, presented);

    const grantType = params.grant_type;
    if (!grantType) throw invalidRequest('grant_type is required');
    const grant = selectGrant(params, tenant.tenant.settings);
    if (!grant) throw unsupportedGrantType(grantType, tenant.tenant.settings.compat.gam);
    if (grant.permits) {
      if (!grant.permits(client, tenant)) throw unauthorizedClient(`this client may not use grant_type "${grantType}" here`);
    } else {
      if (!tenant.tenant.settings.allowed_grants.includes(grantType)) throw unauthorizedClient(`grant_type "${grantType}" is disabled in this tenant`);
      if (!client.grantTypes.includes(grantType)) throw unauthorizedClient(`this client is not allowed to use grant_type "${grantType}"`);
    }

    const gam = tenant.tenant.settings.compat.gam;
    // GAM (seed 001) asks for scope=FullControl meaning "every scope this client (or key) may have":
    // for every grant, the request then reads as one without a scope.
    const fullControl = gam && params.scope === GAM_FULL_CONTROL;
    const response = await grant.handle({ tenant, client, params: fullControl ? withoutScope(params) : params, services: gh, source: request.ip });
    const route = request.routeOptions.url ?? '';
    // On GAM's own paths the answer echoes what was asked, as seed 001's does.
    if (fullControl && GAM_PATHS.some((path) => route.endsWith(path))) response.scope = GAM_FULL_CONTROL;
    return reply.send(gam && route.endsWith(GAM_TOKEN_PATH) ? gamTokenResponse(response) : response);
  };
  // Other methods get 405 with `Allow: POST` like every route (src/http/method-not-allowed.ts): GET never issues a token.
  for (const path of TOKEN_PATHS) app.post(path, handler);
}
