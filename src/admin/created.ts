/** 201 Created with the new resource's address (RFC 9110 §10.2.2): the collection posted to, then its id. */
import type { FastifyReply, FastifyRequest } from 'fastify';

export function created(request: FastifyRequest, reply: FastifyReply, id: string): FastifyReply {
  const collection = request.url.split('?')[0]!.replace(/\/+$/, '');
  return reply.code(201).header('location', `${collection}/${encodeURIComponent(id)}`);
}
