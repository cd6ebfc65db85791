/** /tenants: the default tenant's administrators create, rename and delete tenants. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Gatehouse } from '../gatehouse.js';
import { DEFAULT_TENANT_ID } from '../domain/tenant.js';
import { PageQuerySchema, errorResponses, page } from './schemas.js';
import { decodeCursor, isString, pageLimit, pageOf, type PageQuery } from './pagination.js';
import { notAdminHere } from './auth.js';
import { created } from './created.js';

const TenantSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    issuer: Type.String(),
    created_at: Type.Integer(),
    admin_client_id: Type.Optional(Type.String()),
    admin_client_secret: Type.Optional(Type.String({ description: 'shown once, at creation' })),
  },
  { $id: 'Tenant' },
);
const TenantInput = Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String() });

function requireRootAdmin(request: FastifyRequest): void {
  if (request.admin.tenantId !== DEFAULT_TENANT_ID) throw notAdminHere(request, 'only the default tenant’s administrators manage tenants');
}

export function tenantRoutes(app: FastifyInstance, gh: Gatehouse, tags: string[]): void {
  app.post<{ Body: Record<string, unknown> }>(
    '/tenants',
    { config: { requiredFields: ['id'] }, schema: { tags, summary: 'Create a tenant; answers its admin client’s credentials once', body: TenantInput, response: { 201: TenantSchema, ...errorResponses } } },
    async (request, reply) => {
      requireRootAdmin(request);
      const made = await gh.tenantAdmin.create(request.body, request.admin);
      return created(request, reply, made.tenant.id).send({ ...gh.tenantAdmin.view(made.tenant), admin_client_id: made.adminClientId, admin_client_secret: made.adminClientSecret });
    },
  );
  app.get<{ Querystring: PageQuery }>(
    '/tenants',
    { schema: { tags, summary: 'List tenants', querystring: PageQuerySchema, response: { 200: page(TenantSchema), ...errorResponses } } },
    async (request) => {
      requireRootAdmin(request);
      const limit = pageLimit(request.query);
      const { items, next_cursor } = pageOf(await gh.store.tenants.list(limit + 1, decodeCursor(request.query, isString)), limit, (tenant) => tenant.id);
      return { items: items.map((t) => gh.tenantAdmin.view(t)), next_cursor };
    },
  );
  app.get<{ Params: { id: string } }>('/tenants/:id', { schema: { tags, summary: 'Get a tenant', params: IdParams, response: { 200: TenantSchema, ...errorResponses } } }, async (request) => {
    requireRootAdmin(request);
    return gh.tenantAdmin.view(await gh.tenantAdmin.require(request.params.id));
  });
  app.patch<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/tenants/:id',
    { schema: { tags, summary: 'Rename a tenant (omitted fields keep their values; the id cannot change)', params: IdParams, body: TenantInput, response: { 200: TenantSchema, ...errorResponses } } },
    async (request) => {
      requireRootAdmin(request);
      return gh.tenantAdmin.view(await gh.tenantAdmin.update(request.params.id, request.body, request.admin));
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/tenants/:id',
    { schema: { tags, summary: 'Delete a tenant, its data and every token it issued', params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      requireRootAdmin(request);
      await gh.tenantAdmin.delete(request.params.id, request.admin);
      return reply.code(204).send();
    },
  );
}
