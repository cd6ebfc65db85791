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
import { OAuthError, bearerError, missingToken } from '../errors.js';
import { bearerToken } from '../bearer.js';
import { TokenRejected } from '../token-verifier.js';
import type { TenantContext } from '../../core/tenants.js';
import type { IssuedClient } from '../../core/clients.js';

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

  /**
   * RFC 7592 §2: the registration access token of this client, or an admin token. `ownToken` is
   * the client's registration access token when that is what was presented.
   */
  async function configurationAccess(request: FastifyRequest, clientId: string): Promise<{ client: Client; actor: Actor; ownToken?: string }> {
    const tenant = request.tenant;
    const token = bearerToken(request, realm(tenant), tenant.tenant.settings.compat.oauth_scheme);
    if (!token) throw missingToken(realm(tenant), 'a registration access token is required');
    const client = await gh.store.clients.get(tenant.tenant.id, clientId);
    const check = client?.registrationTokenHash ? gh.secret.verify(token, client.registrationTokenHash) : undefined;
    if (client && check?.ok) {
      // Deactivation refuses every token of the client, this one too: else the client could read
      // its configuration and, by an update, reactivate itself.
      if (!client.active) throw bearerError('invalid_token', 'the client is deactivated; only an administrator can manage it', realm(tenant));
      if (check.stale) void gh.clients.rehashSecret(client, token).catch(() => {});
      return { client, actor: { id: clientId, source: request.ip }, ownToken: token };
    }
    const admin = token.includes('.') ? await adminActor(request) : undefined;
    // Unknown client and wrong token answer alike (RFC 7592 §2.1), so ids cannot be probed.
    if (!admin || !client) throw bearerError('invalid_token', 'the registration access token is invalid', realm(tenant));
    return { client, actor: admin };
  }

  /**
   * RFC 7592 §3 answers with the registration access token too. Only its hash is stored, so a
   * client that presented its own gets that one back; an administrator's request gets none.
   */
  function response(tenant: TenantContext, issued: IssuedClient | { client: Client }, ownToken?: string): Record<string, unknown> {
    const { client } = issued;
    const registrationAccessToken = ('registrationAccessToken' in issued && issued.registrationAccessToken) || ownToken;
    return {
      ...gh.clients.view(client, tenant.tenant.settings),
      ...('clientSecret' in issued && issued.clientSecret ? { client_secret: issued.clientSecret } : {}),
      ...(registrationAccessToken ? { registration_access_token: registrationAccessToken } : {}),
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
    const { client, ownToken } = await configurationAccess(request, request.params.clientId);
    return response(request.tenant, { client }, ownToken);
  });

  app.put<{ Params: { clientId: string } }>('/oauth/register/:clientId', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const tenant = request.tenant;
    const { client, actor, ownToken } = await configurationAccess(request, request.params.clientId);
    try {
      const replaced = await gh.clients.replace(tenant.tenant.id, tenant.tenant.settings, client.clientId, body(request), actor, { byClient: ownToken !== undefined });
      return response(tenant, replaced, ownToken);
    } catch (error) {
      throw asRegistrationError(error);
    }
  });

  app.delete<{ Params: { clientId: string } }>('/oauth/register/:clientId', async (request, reply) => {
    const { client, actor } = await configurationAccess(request, request.params.clientId);
    try {
      await gh.clients.delete(request.tenant.tenant.id, client.clientId, actor);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw asRegistrationError(error);
    }
    return reply.code(204).send();
  });
}
