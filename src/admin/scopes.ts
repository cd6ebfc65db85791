/** /scopes: seed 003's Scope Management (a scope = a name and the service URL patterns it opens). */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Gatehouse } from '../gatehouse.js';
import type { Scope } from '../core/scopes.js';
import { isBuiltInScope } from '../core/scopes.js';
import { NotFoundError } from '../domain/errors.js';
import { PageQuerySchema, ScopeInputSchema, ScopeSchema, errorResponses, page } from './schemas.js';
import { decodeCursor, isString, pageLimit, pageOf, type PageQuery } from './pagination.js';
import { created } from './created.js';

const NameParams = Type.Object({ name: Type.String() });
type WithName = { Params: { name: string } };

function view(scope: Scope) {
  return {
    name: scope.name,
    description: scope.description,
    services: scope.services,
    roles: scope.roles,
    built_in: isBuiltInScope(scope.name),
    created_at: scope.createdAt,
    updated_at: scope.updatedAt,
  };
}

export function scopeRoutes(app: FastifyInstance, gh: Gatehouse, tags: string[]): void {
  app.post<{ Body: Record<string, unknown> }>(
    '/scopes',
    { config: { requiredFields: ['name'] }, schema: { tags, summary: 'Create a scope', body: ScopeInputSchema, response: { 201: ScopeSchema, ...errorResponses } } },
    async (request, reply) => {
      const scope = await gh.scopes.create(request.tenant.tenant.id, request.body, request.admin);
      return created(request, reply, scope.name).send(view(scope));
    },
  );

  app.get<{ Querystring: PageQuery }>(
    '/scopes',
    { schema: { tags, summary: 'List scopes (built-in ones included)', querystring: PageQuerySchema, response: { 200: page(ScopeSchema), ...errorResponses } } },
    async (request) => {
      const limit = pageLimit(request.query);
      const after = decodeCursor(request.query, isString);
      const all = [...(await gh.scopes.listed(request.tenant.tenant)).values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const { items, next_cursor } = pageOf(all.filter((scope) => after === undefined || scope.name > after).slice(0, limit + 1), limit, (scope) => scope.name);
      return { items: items.map(view), next_cursor };
    },
  );

  app.get<WithName>(
    '/scopes/:name',
    { schema: { tags, summary: 'Get a scope', params: NameParams, response: { 200: ScopeSchema, ...errorResponses } } },
    async (request) => {
      const scope = (await gh.scopes.listed(request.tenant.tenant)).get(request.params.name);
      if (!scope) throw new NotFoundError(`no scope named "${request.params.name}"`);
      return view(scope);
    },
  );

  app.patch<WithName & { Body: Record<string, unknown> }>(
    '/scopes/:name',
    { schema: { tags, summary: 'Change a scope’s description, services or roles (the name cannot change)', params: NameParams, body: ScopeInputSchema, response: { 200: ScopeSchema, ...errorResponses } } },
    async (request) => view(await gh.scopes.update(request.tenant.tenant.id, request.params.name, request.body, request.admin)),
  );

  app.delete<WithName>(
    '/scopes/:name',
    { schema: { tags, summary: 'Delete a scope (409 while a client or a live token uses it)', params: NameParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await gh.scopes.delete(request.tenant.tenant.id, request.params.name, request.admin);
      return reply.code(204).send();
    },
  );
}
