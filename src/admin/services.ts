/** /services: what the gateway publishes — a path prefix (unique across tenants) and its upstream. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Gatehouse } from '../gatehouse.js';
import { serviceView } from '../gateway/services.js';
import { NotFoundError } from '../domain/errors.js';
import { PageQuerySchema, errorResponses, page } from './schemas.js';
import { decodeCursor, isString, pageLimit, pageOf, type PageQuery } from './pagination.js';
import { created } from './created.js';

const ServiceInput = Type.Object(
  {
    name: Type.Optional(Type.String()),
    path_prefix: Type.Optional(Type.String({ description: 'e.g. "/orders"; requests under it go to the upstream, path unchanged' })),
    upstream: Type.Optional(Type.String({ description: 'http(s) base URL of the service' })),
    // No schema `default`: the validator would fill it into every PATCH and reset the timeout.
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 300000, description: 'upstream timeout in ms (default 30000 at creation)' })),
    pass_token: Type.Optional(Type.Boolean({ description: 'forward the caller’s Authorization header (default false)' })),
  },
  { additionalProperties: false },
);
const ServiceSchema = Type.Object(
  { name: Type.String(), path_prefix: Type.String(), upstream: Type.String(), timeout_ms: Type.Integer(), pass_token: Type.Boolean(), created_at: Type.Integer(), updated_at: Type.Integer() },
  { $id: 'Service' },
);
const NameParams = Type.Object({ name: Type.String() });
type WithName = { Params: { name: string } };

export function serviceRoutes(app: FastifyInstance, gh: Gatehouse, tags: string[]): void {
  app.post<{ Body: Record<string, unknown> }>(
    '/services',
    { config: { requiredFields: ['name', 'path_prefix', 'upstream'] }, schema: { tags, summary: 'Publish a service behind the gateway', body: ServiceInput, response: { 201: ServiceSchema, ...errorResponses } } },
    async (request, reply) => {
      const service = await gh.services.create(request.tenant.tenant.id, request.body, request.admin);
      return created(request, reply, service.name).send(serviceView(service));
    },
  );
  app.get<{ Querystring: PageQuery }>(
    '/services',
    { schema: { tags, summary: 'List services', querystring: PageQuerySchema, response: { 200: page(ServiceSchema), ...errorResponses } } },
    async (request) => {
      const limit = pageLimit(request.query);
      const { items, next_cursor } = pageOf(await gh.store.services.list(request.tenant.tenant.id, limit + 1, decodeCursor(request.query, isString)), limit, (service) => service.name);
      return { items: items.map(serviceView), next_cursor };
    },
  );
  app.get<WithName>('/services/:name', { schema: { tags, summary: 'Get a service', params: NameParams, response: { 200: ServiceSchema, ...errorResponses } } }, async (request) => {
    const service = await gh.store.services.get(request.tenant.tenant.id, request.params.name);
    if (!service) throw new NotFoundError(`no service named "${request.params.name}"`);
    return serviceView(service);
  });
  app.patch<WithName & { Body: Record<string, unknown> }>(
    '/services/:name',
    { schema: { tags, summary: 'Change a service', params: NameParams, body: ServiceInput, response: { 200: ServiceSchema, ...errorResponses } } },
    async (request) => serviceView(await gh.services.update(request.tenant.tenant.id, request.params.name, request.body, request.admin)),
  );
  app.delete<WithName>('/services/:name', { schema: { tags, summary: 'Stop publishing a service', params: NameParams, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    await gh.services.delete(request.tenant.tenant.id, request.params.name, request.admin);
    return reply.code(204).send();
  });
}
