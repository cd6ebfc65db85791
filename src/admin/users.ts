/** /users: resource owners (INTERFACE.md fields), their roles, lock state and remembered consents. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Gatehouse } from '../gatehouse.js';
import { userView } from '../core/users.js';
import { NotFoundError } from '../domain/errors.js';
import { PageQuerySchema, UserInputSchema, UserSchema, errorResponses, page } from './schemas.js';
import { decodeCursor, isString, pageLimit, pageOf, type PageQuery } from './pagination.js';
import { created } from './created.js';

const IdParams = Type.Object({ id: Type.String() });
const ConsentSchema = Type.Object({ client_id: Type.String(), scope: Type.String(), created_at: Type.Integer() });
type WithId = { Params: { id: string } };

export function userRoutes(app: FastifyInstance, gh: Gatehouse, tags: string[]): void {
  app.post<{ Body: Record<string, unknown> }>(
    '/users',
    { config: { requiredFields: ['username'] }, schema: { tags, summary: 'Create a user', body: UserInputSchema, response: { 201: UserSchema, ...errorResponses } } },
    async (request, reply) => {
      const user = await gh.users.create(request.tenant.tenant.id, request.body, request.admin);
      return created(request, reply, user.id).send(userView(user));
    },
  );

  app.get<{ Querystring: PageQuery }>(
    '/users',
    { schema: { tags, summary: 'List users', querystring: PageQuerySchema, response: { 200: page(UserSchema), ...errorResponses } } },
    async (request) => {
      const limit = pageLimit(request.query);
      const { items, next_cursor } = pageOf(await gh.store.users.list(request.tenant.tenant.id, limit + 1, decodeCursor(request.query, isString)), limit, (user) => user.id);
      return { items: items.map(userView), next_cursor };
    },
  );

  app.get<WithId>('/users/:id', { schema: { tags, summary: 'Get a user', params: IdParams, response: { 200: UserSchema, ...errorResponses } } }, async (request) =>
    userView(await gh.users.require(request.tenant.tenant.id, request.params.id)),
  );

  app.patch<WithId & { Body: Record<string, unknown> }>(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Change a user: profile, roles, password (ends sessions and tokens), disabled (locks the account)',
        params: IdParams,
        body: UserInputSchema,
        response: { 200: UserSchema, ...errorResponses },
      },
    },
    async (request) => userView(await gh.users.patch(request.tenant.tenant.id, request.params.id, request.body, request.admin)),
  );

  app.delete<WithId>('/users/:id', { schema: { tags, summary: 'Delete a user, their sessions and tokens', params: IdParams, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await gh.users.delete(request.tenant.tenant.id, request.params.id, request.admin);
    return reply.code(204).send();
  });

  app.get<WithId & { Querystring: PageQuery }>(
    '/users/:id/consents',
    { schema: { tags, summary: 'Remembered consents of a user, by client_id', params: IdParams, querystring: PageQuerySchema, response: { 200: page(ConsentSchema), ...errorResponses } } },
    async (request) => {
      const limit = pageLimit(request.query);
      const after = decodeCursor(request.query, isString);
      const user = await gh.users.require(request.tenant.tenant.id, request.params.id);
      const { items, next_cursor } = pageOf(await gh.store.grants.listConsents(user.tenantId, user.id, limit + 1, after), limit, (row) => row.client_id);
      return { items: items.map((row) => ({ client_id: row.client_id, scope: row.scope, created_at: Number(row.created_at) })), next_cursor };
    },
  );

  app.delete<{ Params: { id: string; clientId: string } }>(
    '/users/:id/consents/:clientId',
    { schema: { tags, summary: 'Revoke a remembered consent: the user is asked again next time', params: Type.Object({ id: Type.String(), clientId: Type.String() }), response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const tenantId = request.tenant.tenant.id;
      if (!(await gh.store.grants.deleteConsent(tenantId, request.params.id, request.params.clientId))) throw new NotFoundError('no such consent');
      await gh.store.audit.append({ tenantId, actor: request.admin.id, source: request.admin.source, action: 'consent.revoked', target: `${request.params.id} ${request.params.clientId}`, detail: {}, createdAt: Math.floor(Date.now() / 1000) });
      return reply.code(204).send();
    },
  );
}
