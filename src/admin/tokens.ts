/** /tokens: seed 003's Token Management (list, Add New Token, delete = revoke). */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Gatehouse } from '../gatehouse.js';
import { NotFoundError, ValidationError } from '../domain/errors.js';
import type { TokenCursor, TokenStatus } from '../store/tokens.js';
import { grantedScopes } from '../oauth/scopes.js';
import { OAuthError } from '../oauth/errors.js';
import { IssuedTokenSchema, TokenCreateSchema, TokenQuerySchema, TokenSchema, errorResponses, page } from './schemas.js';
import { decodeCursor, encodeCursor, isTimeAndId, pageLimit, type PageQuery } from './pagination.js';
import { created } from './created.js';

const IdParams = Type.Object({ id: Type.String() });
type TokenQuery = PageQuery & { client_id?: string; subject?: string; status?: TokenStatus };

export function tokenRoutes(app: FastifyInstance, gh: Gatehouse, tags: string[]): void {
  app.get<{ Querystring: TokenQuery }>(
    '/tokens',
    { schema: { tags, summary: 'List tokens, newest first', querystring: TokenQuerySchema, response: { 200: page(TokenSchema), ...errorResponses } } },
    async (request) => {
      const { client_id: clientId, subject, status } = request.query;
      const position = decodeCursor(request.query, isTimeAndId);
      const cursor: TokenCursor | undefined = position && { issuedAt: position[0], jti: position[1] };
      const result = await gh.tokenAdmin.list({ tenantId: request.tenant.tenant.id, clientId, subject, status }, pageLimit(request.query), cursor);
      return { items: result.items, next_cursor: result.next ? encodeCursor([result.next.issuedAt, result.next.jti]) : null };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/tokens/:id',
    { schema: { tags, summary: 'Get a token', params: IdParams, response: { 200: TokenSchema, ...errorResponses } } },
    async (request) => {
      const row = await gh.tokenAdmin.get(request.tenant.tenant.id, request.params.id);
      if (!row) throw new NotFoundError(`no token with id "${request.params.id}"`);
      return (await gh.tokenAdmin.views(request.tenant.tenant.id, [row]))[0];
    },
  );

  app.post<{ Body: { client_id: string; scope?: string; expires_in_days?: number } }>(
    '/tokens',
    { schema: { tags, summary: 'Generate a token for a client (seed 003 "Add New Token")', body: TokenCreateSchema, response: { 201: IssuedTokenSchema, ...errorResponses } } },
    async (request, reply) => {
      const tenant = request.tenant;
      const client = await gh.clients.get(tenant.tenant.id, request.body.client_id);
      if (!client) throw ValidationError.field('client_id', `no client with id "${request.body.client_id}"`);
      let scopes: string[];
      try {
        scopes = grantedScopes(request.body.scope, client.scopes);
      } catch (error) {
        if (error instanceof OAuthError) throw ValidationError.field('scope', error.description);
        throw error;
      }
      const issued = await gh.tokenAdmin.issueForClient(tenant, client, scopes, request.body.expires_in_days ?? 30, request.admin);
      return created(request, reply, issued.jti).send({ id: issued.jti, access_token: issued.token, expires_at: issued.exp, token_type: 'Bearer', scope: scopes.join(' ') });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/tokens/:id',
    { schema: { tags, summary: 'Revoke a token (and its refresh token)', params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const tenantId = request.tenant.tenant.id;
      if (!(await gh.tokenAdmin.get(tenantId, request.params.id))) throw new NotFoundError(`no token with id "${request.params.id}"`);
      await gh.tokenAdmin.revoke(tenantId, [request.params.id], 'deleted by an administrator', request.admin);
      return reply.code(204).send();
    },
  );
}
