/** /clients: seed 003's Client Registration page as an API (create, list, edit, deactivate, delete, new secret). */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Gatehouse } from '../gatehouse.js';
import { ClientInputSchema, ClientSchema, PageQuerySchema, errorResponses, page } from './schemas.js';
import { decodeCursor, encodeCursor, isString, pageLimit, type PageQuery } from './pagination.js';

const ClientParams = Type.Object({ clientId: Type.String() });
type WithClient = { Params: { clientId: string } };

export function clientRoutes(app: FastifyInstance, gh: Gatehouse, tags: string[]): void {
  app.post<{ Body: Record<string, unknown> }>(
    '/clients',
    { schema: { tags, summary: 'Register a client (same metadata as RFC 7591)', body: ClientInputSchema, response: { 201: ClientSchema, ...errorResponses } } },
    async (request, reply) => {
      const { tenant } = request.tenant;
      const issued = await gh.clients.create(tenant.id, tenant.settings, request.body, request.admin);
      return reply.code(201).send({
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
      const clients = await gh.store.clients.list(tenant.id, limit + 1, after);
      const items = clients.slice(0, limit);
      return {
        items: items.map((client) => gh.clients.view(client, tenant.settings)),
        next_cursor: clients.length > limit ? encodeCursor(items.at(-1)!.clientId) : null,
      };
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
    { schema: { tags, summary: 'Delete a client and all its tokens', params: ClientParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await gh.clients.delete(request.tenant.tenant.id, request.params.clientId, request.admin);
      return reply.code(204).send();
    },
  );

  app.post<WithClient>(
    '/clients/:clientId/secret',
    {
      schema: {
        tags,
        summary: 'Issue a new client secret (shown once); the old one stops working',
        params: ClientParams,
        response: { 200: Type.Object({ client_id: Type.String(), client_secret: Type.String(), client_secret_expires_at: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const { client, clientSecret } = await gh.clients.regenerateSecret(request.tenant.tenant.id, request.params.clientId, request.admin);
      return { client_id: client.clientId, client_secret: clientSecret, client_secret_expires_at: client.secretExpiresAt };
    },
  );
}
