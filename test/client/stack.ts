/**
 * Gatehouse as the client tests meet it: the auth server and its gateway in this process, an
 * upstream behind the gateway that echoes what reached it and counts the hits, and helpers for
 * the admin API.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../src/gateway/server.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { bearer, clientCredentialsToken, json, request, type JsonResponse } from '../helpers/oauth.js';

export interface Stack {
  server: TestServer;
  /** The gateway's base URL; the upstream is mounted at /orders (scope orders.read / orders.write). */
  gateway: string;
  /** Requests that reached the upstream, in order. */
  hits: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }>;
  admin(path: string, init?: RequestInit): Promise<JsonResponse>;
  createClient(body: Record<string, unknown>): Promise<{ id: string; secret: string }>;
  /** How many access tokens the server has issued to the client (token management, not the client's word). */
  issuedTokens(clientId: string): Promise<number>;
  close(): Promise<void>;
}

export async function startStack(databaseUrl: string): Promise<Stack> {
  const hits: Stack['hits'] = [];
  const upstream = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      hits.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, subject: req.headers['x-gatehouse-subject'], client: req.headers['x-gatehouse-client-id'], agent: req.headers['genexus-agent'] ?? null, body }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const server = await startServer(databaseUrl);
  let gateway: FastifyInstance | undefined;
  try {
    gateway = await buildGateway(server.gh, { services: server.gh.services, matchers: server.gh.matchers, feedHealthy: () => server.gh.feed.healthy(5000) });
    await gateway.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await server.close();
    upstream.close();
    throw error;
  }
  const adminToken = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
  const admin = (path: string, init: RequestInit = {}) => request(`${server.url}/admin/api/v1${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), ...bearer(adminToken) } });
  const expect201 = async (path: string, body: unknown) => {
    const created = await admin(path, json('POST', body));
    if (created.status !== 201) throw new Error(`POST ${path}: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body;
  };
  await expect201('/scopes', { name: 'orders.read', description: 'Read orders', services: ['GET /orders/**'] });
  await expect201('/scopes', { name: 'orders.write', description: 'Change orders', services: ['POST,PUT,DELETE /orders/**'] });
  await expect201('/services', { name: 'orders', path_prefix: '/orders', upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
  return {
    server,
    gateway: `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`,
    hits,
    admin,
    async createClient(body) {
      const created = await expect201('/clients', { response_types: [], ...body });
      return { id: created.client_id, secret: created.client_secret };
    },
    async issuedTokens(clientId) {
      const listed = await admin(`/tokens?client_id=${encodeURIComponent(clientId)}&limit=500`);
      if (listed.status !== 200) throw new Error(`token list: ${listed.status} ${JSON.stringify(listed.body)}`);
      return listed.body.items.length;
    },
    async close() {
      await gateway?.close();
      await server.close();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    },
  };
}
