/**
 * Dynamic client registration (RFC 7591) with a bearer token carrying scope `admin`, and client
 * configuration (RFC 7592) with the registration access token returned at registration (or an
 * admin token). PUT replaces the metadata: omitted fields reset to their defaults.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../../gatehouse.js';
import type { Client } from '../../domain/client.js';
import { DEFAULT_TENANT_ID } from '../../domain/tenant.js';
import type { Actor } from '../../domain/actor.js';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.js';
import { OAuthError, bearerError } from '../errors.js';
import { bearerToken } from '../bearer.js';
import { TokenRejected } from '../token-verifier.js';
import type { TenantContext } from '../../core/tenants.js';
import type { IssuedClient } from '../../core/clients.js';

/** RFC 6750 §3.1: a request without any token gets a bare challenge, without an error code. */
function missingToken(realm: string, description: string): OAuthError {
  return new OAuthError('invalid_token', description, { headers: { 'www-authenticate': `Bearer realm="${realm}"` } });
}

function body(request: FastifyRequest): Record<string, unknown> {
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
    throw new OAuthError('invalid_client_metadata', 'client metadata must be sent as application/json');
  }
  const value = request.body;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new OAuthError('invalid_client_metadata', 'the request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Management errors in RFC 7591 §3.2.2 form. */
function asRegistrationError(error: unknown): unknown {
  if (error instanceof ValidationError) return new OAuthError(error.oauthCode, error.message);
  if (error instanceof ConflictError) return new OAuthError('invalid_client_metadata', error.message);
  return error;
}

export function registrationEndpoints(app: FastifyInstance, gh: Gatehouse): void {
  const realm = (tenant: TenantContext) => tenant.issuer;

  async function adminActor(request: FastifyRequest): Promise<Actor | undefined> {
    const tenant = request.tenant;
    const token = bearerToken(request, realm(tenant), tenant.tenant.settings.compat.oauth_scheme);
    if (!token) return undefined;
    try {
      const verified = await gh.tokenVerifier.verify(token, tenant, { anyTenant: true });
      if (verified.tenantId !== tenant.tenant.id && verified.tenantId !== DEFAULT_TENANT_ID) throw bearerError('invalid_token', 'this token belongs to another tenant', realm(tenant));
      if (!verified.scopes.includes('admin')) throw bearerError('insufficient_scope', 'registration needs a token with scope admin', realm(tenant), 'admin');
      return { id: verified.claims.sub, source: request.ip };
    } catch (error) {
      if (error instanceof TokenRejected) return undefined;
      throw error;
    }
  }

  /** RFC 7592 §2: the registration access token of this client, or an admin token. */
  async function configurationAccess(request: FastifyRequest, clientId: string): Promise<{ client: Client; actor: Actor }> {
    const tenant = request.tenant;
    const token = bearerToken(request, realm(tenant), tenant.tenant.settings.compat.oauth_scheme);
    if (!token) throw missingToken(realm(tenant), 'a registration access token is required');
    const client = await gh.store.clients.get(tenant.tenant.id, clientId);
    const check = client?.registrationTokenHash ? gh.secret.verify(token, client.registrationTokenHash) : undefined;
    if (client && check?.ok) {
      if (check.stale) void gh.clients.rehashSecret(client, token).catch(() => {});
      return { client, actor: { id: clientId, source: request.ip } };
    }
    const admin = token.includes('.') ? await adminActor(request) : undefined;
    // Unknown client and wrong token answer alike (RFC 7592 §2.1), so ids cannot be probed.
    if (!admin || !client) throw bearerError('invalid_token', 'the registration access token is invalid', realm(tenant));
    return { client, actor: admin };
  }

  function response(tenant: TenantContext, issued: IssuedClient | { client: Client }): Record<string, unknown> {
    const { client } = issued;
    return {
      ...gh.clients.view(client, tenant.tenant.settings),
      ...('clientSecret' in issued && issued.clientSecret ? { client_secret: issued.clientSecret } : {}),
      ...('registrationAccessToken' in issued && issued.registrationAccessToken ? { registration_access_token: issued.registrationAccessToken } : {}),
      registration_client_uri: `${tenant.issuer}/oauth/register/${encodeURIComponent(client.clientId)}`,
    };
  }

  app.post('/oauth/register', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const tenant = request.tenant;
    if (!bearerToken(request, realm(tenant), tenant.tenant.settings.compat.oauth_scheme)) throw missingToken(realm(tenant), 'registration needs a bearer token with scope admin');
    const actor = await adminActor(request);
    if (!actor) throw bearerError('invalid_token', 'registration needs a valid bearer token with scope admin', realm(tenant));
    try {
      const issued = await gh.clients.create(tenant.tenant.id, tenant.tenant.settings, body(request), actor);
      return reply.code(201).send(response(tenant, issued));
    } catch (error) {
      throw asRegistrationError(error);
    }
  });

  app.get<{ Params: { clientId: string } }>('/oauth/register/:clientId', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const { client } = await configurationAccess(request, request.params.clientId);
    return response(request.tenant, { client });
  });

  app.put<{ Params: { clientId: string } }>('/oauth/register/:clientId', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const tenant = request.tenant;
    const { client, actor } = await configurationAccess(request, request.params.clientId);
    const metadata = body(request);
    // Associating scopes is an administrator's decision: with its own registration access token
    // a client may keep or drop scopes, never add one (else it could grant itself `admin`).
    if (actor.id === client.clientId && typeof metadata.scope === 'string') {
      const added = metadata.scope.split(' ').filter((scope) => scope && !client.scopes.includes(scope));
      if (added.length > 0) throw new OAuthError('invalid_client_metadata', `only an administrator can associate new scopes (${added.join(' ')})`);
    }
    try {
      return response(tenant, await gh.clients.replace(tenant.tenant.id, tenant.tenant.settings, client.clientId, metadata, actor));
    } catch (error) {
      throw asRegistrationError(error);
    }
  });

  app.delete<{ Params: { clientId: string } }>('/oauth/register/:clientId', async (request, reply) => {
    const { client, actor } = await configurationAccess(request, request.params.clientId);
    try {
      await gh.clients.delete(request.tenant.tenant.id, client.clientId, actor);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    return reply.code(204).send();
  });
}
