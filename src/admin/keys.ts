/**
 * /keys: the tenant's signing keys — list, rotate (as `gatehouse keys rotate`), and withdraw a
 * key at once (a leaked one). Never any key material.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Gatehouse } from '../gatehouse.js';
import type { SigningKeyInfo } from '../core/key-ring.js';
import { ValidationError } from '../domain/errors.js';
import { Nullable, PageQuerySchema, errorResponses, page } from './schemas.js';
import { decodeCursor, encodeCursor, isString, pageLimit, type PageQuery } from './pagination.js';

const signingKeyFields = {
  kid: Type.String(),
  alg: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('retiring'), Type.Literal('retired'), Type.Literal('withdrawn')], {
    description: 'pending: published, not signing yet; active: signing now; retiring: superseded, published until retires_at; retired: no longer published; withdrawn: out of the JWKS, its tokens refused',
  }),
  created_at: Type.Integer(),
  activates_at: Type.Integer({ description: 'no node signs with the key before this time' }),
  retires_at: Nullable(Type.Integer({ description: 'a superseded key is published until then; null until fixed (a minute after its successor activates)' })),
  withdrawn_at: Nullable(Type.Integer()),
  withdrawn_reason: Nullable(Type.String()),
};
const SigningKeySchema = Type.Object(signingKeyFields, { $id: 'SigningKey' });

const Withdrawal = Type.Object({
  withdrawn: SigningKeySchema,
  // An $id may occur once per response schema: the replacement is the same shape, inline.
  replacement: Type.Union([Type.Object(signingKeyFields), Type.Null()], { description: 'the key made to sign at once, when the withdrawn key was the one signing' }),
});

function view(key: SigningKeyInfo) {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    created_at: key.createdAt,
    activates_at: key.activatesAt,
    retires_at: key.retiresAt,
    withdrawn_at: key.withdrawnAt,
    withdrawn_reason: key.withdrawnReason,
  };
}

export function keyRoutes(app: FastifyInstance, gh: Gatehouse, tags: string[]): void {
  app.get<{ Querystring: PageQuery }>(
    '/keys',
    { schema: { tags, summary: 'List the tenant’s signing keys, latest activation first (withdrawn and retired ones included)', querystring: PageQuerySchema, response: { 200: page(SigningKeySchema), ...errorResponses } } },
    async (request) => {
      const limit = pageLimit(request.query);
      const after = decodeCursor(request.query, isString);
      const all = await gh.keys.list(request.tenant.tenant.id);
      const start = after === undefined ? 0 : all.findIndex((key) => key.kid === after) + 1;
      if (start === 0 && after !== undefined) throw ValidationError.field('cursor', 'cursor is not one this API returned');
      const items = all.slice(start, start + limit);
      return { items: items.map(view), next_cursor: start + limit < all.length ? encodeCursor(items.at(-1)!.kid) : null };
    },
  );

  app.post(
    '/keys/rotate',
    {
      // Nothing to send; an unknown field is refused, as everywhere in this API.
      config: { optionalBody: true },
      schema: { tags, summary: 'Add a signing key: published at once, signing after GATEHOUSE_KEY_ACTIVATION_DELAY', body: Type.Object({}, { additionalProperties: false }), response: { 201: SigningKeySchema, ...errorResponses } },
    },
    async (request, reply) => {
      const tenantId = request.tenant.tenant.id;
      const { kid } = await gh.keys.rotate(tenantId, request.admin);
      const key = (await gh.keys.list(tenantId)).find((k) => k.kid === kid)!;
      return reply.code(201).send(view(key));
    },
  );

  app.delete<{ Params: { kid: string }; Querystring: { reason?: string } }>(
    '/keys/:kid',
    {
      schema: {
        tags,
        summary: 'Withdraw a signing key at once: out of the JWKS, every token it signed refused on every node; the key signing now is first replaced by one that signs at once (409 if withdrawn already)',
        params: Type.Object({ kid: Type.String() }),
        querystring: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500, description: 'kept with the key and in the audit log' })) }, { additionalProperties: false }),
        response: { 200: Withdrawal, ...errorResponses },
      },
    },
    async (request) => {
      const { withdrawn, replacement } = await gh.keys.withdraw(request.tenant.tenant.id, request.params.kid, request.query.reason || null, request.admin);
      return { withdrawn: view(withdrawn), replacement: replacement ? view(replacement) : null };
    },
  );
}
