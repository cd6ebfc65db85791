/**
 * The embedded demo (seed 003's PhotoStorage): a small upstream with photos, published behind the
 * gateway under /demo/photos with a scope and a client, so the quick start shows the whole round
 * trip. Off with GATEHOUSE_DEMO=0.
 */
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { DEFAULT_TENANT_ID } from '../domain/tenant.js';
import { SYSTEM_ACTOR } from '../domain/actor.js';

const PHOTOS = [
  { id: '1', title: 'Harbour at dawn', owner: 'bob' },
  { id: '2', title: 'Printing press', owner: 'bob' },
  { id: '3', title: 'Lighthouse', owner: 'alice' },
];

export async function startDemoUpstream(): Promise<FastifyInstance> {
  const app = Fastify();
  app.get('/demo/photos', async (request) => ({ photos: PHOTOS, caller: request.headers['x-gatehouse-client-id'] }));
  app.get<{ Params: { id: string } }>('/demo/photos/:id', async (request, reply) => PHOTOS.find((p) => p.id === request.params.id) ?? reply.code(404).send({ error: 'no such photo' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

/** Seeds (or re-points) the demo service, scope and client; returns where the credentials are. */
export async function seedDemo(gh: Gatehouse, upstream: string): Promise<string> {
  const tenantId = DEFAULT_TENANT_ID;
  const tenant = (await gh.tenants.get(tenantId))!;
  if (!(await gh.store.scopes.get(tenantId, 'photos.read'))) {
    await gh.scopes.create(tenantId, { name: 'photos.read', description: 'See the photos in PhotoStorage', services: ['GET,HEAD /demo/photos', 'GET,HEAD /demo/photos/*'] }, SYSTEM_ACTOR);
  }
  if (await gh.store.services.get(tenantId, 'photostorage')) await gh.services.update(tenantId, 'photostorage', { upstream }, SYSTEM_ACTOR);
  else await gh.services.create(tenantId, { name: 'photostorage', path_prefix: '/demo/photos', upstream }, SYSTEM_ACTOR);
  const file = path.resolve(gh.config.dataDir, 'demo-credentials.json');
  if (!fs.existsSync(file)) {
    const issued = await gh.clients.create(tenantId, tenant.tenant.settings, { client_name: 'PhotoPrint', client_version: 'demo', grant_types: ['client_credentials'], response_types: [], scope: 'photos.read' }, SYSTEM_ACTOR);
    fs.writeFileSync(file, `${JSON.stringify({ client_id: issued.client.clientId, client_secret: issued.clientSecret }, null, 2)}\n`, { mode: 0o600 });
  }
  return file;
}
