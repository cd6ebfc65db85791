/** /users/{id}/api-keys: seed 004's "Application API KEY" of a user: generate (shown once), list with status, delete. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Gatehouse } from '../gatehouse.js';
import type { ApiKeyCursor } from '../store/api-keys.js';
import { PageQuerySchema, errorResponses, page } from './schemas.js';
import { decodeCursor, isTimeAndId, pageLimit, pageOf, type PageQuery } from './pagination.js';

export const ApiKeySchema = Type.Object(
  {
    id: Type.String(),
    client_id: Type.String(),
    scope: Type.String(),
    hint: Type.String({ description: 'the first characters of the key' }),
    created_at: Type.Integer(),
    expires_at: Type.Union([Type.Integer(), Type.Null()], { description: 'null = never expires' }),
    last_used_at: Type.Union([Type.Integer(), Type.Null()]),
    status: Type.Union([Type.Literal('valid'), Type.Literal('invalid')]),
    invalid_reason: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'ApiKey' },
);
export const ApiKeyInput = Type.Object({ client_id: Type.String(), scope: Type.Optional(Type.String()) }, { additionalProperties: false });
export const IssuedApiKeySchema = Type.Object({ id: Type.String(), api_key: Type.String({ description: 'shown once' }), expires_at: Type.Union([Type.Integer(), Type.Null()]), scope: Type.String() });

/** A page of a user's keys, newest first: the admin API's list and the user's own (/oauth/api-keys). */
export async function apiKeyPage(gh: Gatehouse, tenantId: string, userId: string, query: PageQuery) {
  const limit = pageLimit(query);
  const position = decodeCursor(query, isTimeAndId);
  const cursor: ApiKeyCursor | undefined = position && { createdAt: position[0], id: position[1] };
  const { items, next_cursor } = pageOf(await gh.apiKeys.listOfUser(tenantId, userId, { limit: limit + 1, cursor }), limit, (row) => [Number(row.created_at), row.id]);
  return { items: await Promise.all(items.map((row) => gh.apiKeys.view(row))), next_cursor };
}

export function apiKeyRoutes(app: FastifyInstance, gh: Gatehouse, tags: string[]): void {
  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/users/:id/api-keys',
    { schema: { tags, summary: 'Generate an API key of this user for an application (shown once)', params: Type.Object({ id: Type.String() }), body: ApiKeyInput, response: { 201: IssuedApiKeySchema, ...errorResponses } } },
    async (request, reply) => {
      const { row, apiKey } = await gh.apiKeys.create(request.tenant.tenant.id, request.params.id, request.body, request.admin);
      return reply.code(201).send({ id: row.id, api_key: apiKey, expires_at: row.expires_at, scope: row.scope });
    },
  );
  app.get<{ Params: { id: string }; Querystring: PageQuery }>(
    '/users/:id/api-keys',
    {
      schema: {
        tags,
        summary: 'A user’s API keys, newest first, with whether each still works and why not',
        params: Type.Object({ id: Type.String() }),
        querystring: PageQuerySchema,
        response: { 200: page(ApiKeySchema), ...errorResponses },
      },
    },
    async (request) => {
      const tenantId = request.tenant.tenant.id;
      const user = await gh.users.require(tenantId, request.params.id);
      return apiKeyPage(gh, tenantId, user.id, request.query);
    },
  );
  app.delete<{ Params: { id: string; keyId: string } }>(
    '/users/:id/api-keys/:keyId',
    { schema: { tags, summary: 'Delete an API key; tokens exchanged for it are revoked', params: Type.Object({ id: Type.String(), keyId: Type.String() }), response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await gh.apiKeys.delete(request.tenant.tenant.id, request.params.id, request.params.keyId, request.admin);
      return reply.code(204).send();
    },
  );
}
