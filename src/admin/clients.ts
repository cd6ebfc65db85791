/** /clients: seed 003's Client Registration page as an API (create, list, edit, deactivate, delete, new secret). */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Gatehouse } from '../gatehouse.js';
import { MAX_PREVIOUS_SECRET_VALIDITY_S, MAX_SECRET_LIFETIME_S } from '../domain/client.js';
import { CONSOLE_CLIENT_ID } from '../console/console-client.js';
import { ClientInputSchema, ClientSchema, PageQuerySchema, errorResponses, page } from './schemas.js';
import { decodeCursor, isString, pageLimit, pageOf, type PageQuery } from './pagination.js';
import { created } from './created.js';

const ClientParams = Type.Object({ clientId: Type.String() });
type WithClient = { Params: { clientId: string } };

const SecretRotationSchema = Type.Object(
  {
    previous_secret_valid_for_s: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_PREVIOUS_SECRET_VALIDITY_S,
        description: `seconds the replaced secret keeps working (never past its own expiry); 0 or omitted = it stops at once. At most ${MAX_PREVIOUS_SECRET_VALIDITY_S} (30 days)`,
      }),
    ),
    expires_in_s: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SECRET_LIFETIME_S, description: 'seconds until the new secret expires; 0 or omitted = it does not expire' })),
  },
  { additionalProperties: false },
);
type SecretRotationBody = { previous_secret_valid_for_s?: number; expires_in_s?: number };

const IssuedSecretSchema = Type.Object({
  client_id: Type.String(),
  client_secret: Type.String({ description: 'shown this once' }),
  client_secret_expires_at: Type.Integer({ description: '0 = does not expire' }),
  previous_secret_expires_at: Type.Union([Type.Integer(), Type.Null()], { description: 'until when the replaced secret still works; null = it stopped at once' }),
});

export function clientRoutes(app: FastifyInstance, gh: Gatehouse, tags: string[]): void {
  app.post<{ Body: Record<string, unknown> }>(
    '/clients',
    { config: { requiredFields: ['client_name'] }, schema: { tags, summary: 'Register a client (same metadata as RFC 7591)', body: ClientInputSchema, response: { 201: ClientSchema, ...errorResponses } } },
    async (request, reply) => {
      const { tenant } = request.tenant;
      const issued = await gh.clients.create(tenant.id, tenant.settings, request.body, request.admin);
      return created(request, reply, issued.client.clientId).send({
        ...gh.clients.view(issued.client, tenant.settings),
        ...(issued.clientSecret ? { client_secret: issued.clientSecret } : {}),
        registration_access_token: issued.registrationAccessToken,
        registration_client_uri: `${request.tenant.issuer}/oauth/register/${encodeURIComponent(issued.client.clientId)}`,
      });
    },
  );

  app.get<{ Querystring: PageQuery }>(
    '/clients',
    { schema: { tags, summary: 'List clients', querystring: PageQuerySchema, response: { 200: page(ClientSchema), ...errorResponses } } },
    async (request) => {
      const { tenant } = request.tenant;
      const limit = pageLimit(request.query);
      const after = decodeCursor(request.query, isString);
      const { items, next_cursor } = pageOf(await gh.store.clients.list(tenant.id, limit + 1, after), limit, (client) => client.clientId);
      return { items: items.map((client) => gh.clients.view(client, tenant.settings)), next_cursor };
    },
  );

  app.get<WithClient>(
    '/clients/:clientId',
    { schema: { tags, summary: 'Get a client', params: ClientParams, response: { 200: ClientSchema, ...errorResponses } } },
    async (request) => {
      const { tenant } = request.tenant;
      return gh.clients.view(await gh.clients.require(tenant.id, request.params.clientId), tenant.settings);
    },
  );

  app.patch<WithClient & { Body: Record<string, unknown> }>(
    '/clients/:clientId',
    {
      schema: {
        tags,
        summary: 'Change a client (active, scope, lifetimes, …); client_name and client_version cannot change',
        description: `${CONSOLE_CLIENT_ID}, the console’s own client, answers 409 to deactivation and to changes of its redirect_uris, grant_types, response_types, token_endpoint_auth_method or scope.`,
        params: ClientParams,
        body: ClientInputSchema,
        response: { 200: ClientSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { tenant } = request.tenant;
      const { client, clientSecret } = await gh.clients.patch(tenant.id, tenant.settings, request.params.clientId, request.body, request.admin);
      // A client made confidential here gets a new secret, shown this once.
      return { ...gh.clients.view(client, tenant.settings), ...(clientSecret ? { client_secret: clientSecret } : {}) };
    },
  );

  app.delete<WithClient>(
    '/clients/:clientId',
    { schema: { tags, summary: 'Delete a client and all its tokens', description: `${CONSOLE_CLIENT_ID}, the console’s own client, answers 409.`, params: ClientParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await gh.clients.delete(request.tenant.tenant.id, request.params.clientId, request.admin);
      return reply.code(204).send();
    },
  );

  app.post<WithClient & { Body: SecretRotationBody }>(
    '/clients/:clientId/secret',
    {
      // The body is optional: a POST without one is a plain rotation (the old secret stops at once).
      config: { optionalBody: true },
      schema: {
        tags,
        summary: 'Issue a new client secret (shown once); the old one stops working at once, or after previous_secret_valid_for_s',
        params: ClientParams,
        body: SecretRotationSchema,
        response: { 200: IssuedSecretSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { client, clientSecret } = await gh.clients.regenerateSecret(request.tenant.tenant.id, request.params.clientId, request.admin, {
        previousSecretValidForS: request.body.previous_secret_valid_for_s,
        expiresInS: request.body.expires_in_s,
      });
      return {
        client_id: client.clientId,
        client_secret: clientSecret,
        client_secret_expires_at: client.secretExpiresAt,
        previous_secret_expires_at: client.previousSecret?.expiresAt ?? null,
      };
    },
  );
}
