/** /audit-events: who did what, when, to what, from where; never a secret. */
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { AuditEventSchema, PageQuerySchema, errorResponses, page } from './schemas.js';
import { decodeCursor, pageLimit, pageOf, type PageQuery } from './pagination.js';

const isId = (value: unknown): value is number => Number.isInteger(value);

export function auditRoutes(app: FastifyInstance, gh: Gatehouse, tags: string[]): void {
  app.get<{ Querystring: PageQuery }>(
    '/audit-events',
    { schema: { tags, summary: 'List audit events, newest first', querystring: PageQuerySchema, response: { 200: page(AuditEventSchema), ...errorResponses } } },
    async (request) => {
      const limit = pageLimit(request.query);
      const { items, next_cursor } = pageOf(await gh.store.audit.list(request.tenant.tenant.id, limit + 1, decodeCursor(request.query, isId)), limit, (event) => event.id);
      return { items: items.map((e) => ({ id: e.id, actor: e.actor, action: e.action, target: e.target, source: e.source, detail: e.detail, created_at: e.createdAt })), next_cursor };
    },
  );
}
