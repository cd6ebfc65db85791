/**
 * The server the fuzzers attack: a real Gatehouse (SQLite or PostgreSQL) with a gateway in front of a local
 * upstream, a second tenant, clients, a user, and real tokens (valid, revoked) that the inputs
 * may carry. Rate limits are off so every request reaches the code under test.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { testDatabases, type TestDatabase } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { buildGateway } from '../../src/gateway/server.js';
import { storeSnapshot, type StoreSnapshot } from './snapshot.js';

export const USERNAME = 'fuzzy';
export const PASSWORD = 'fuzzy-password-1';
export const SERVICE_PREFIX = '/fuzz-api';

export interface FuzzTarget {
  url: string;
  gateway: string;
  admin: string;
  web: { id: string; secret: string };
  publicId: string;
  /** Real values an attacker might hold, for the generators to mix in. */
  known: { accessToken: string; revokedRefreshToken: string; userId: string; redirectUri: string };
  snapshot: StoreSnapshot;
  close(): Promise<void>;
}

/** SQLite unless told otherwise: the suites that check the store run on every test database. */
export async function startFuzzTarget(database: TestDatabase = testDatabases().find((d) => d.name === 'sqlite')!): Promise<FuzzTarget> {
  const databaseUrl = await database.create();
  const upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('upstream'));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const server: TestServer = await startServer(databaseUrl);
  const gatewayApp: FastifyInstance = await buildGateway(server.gh, { services: server.gh.services, matchers: server.gh.matchers, feedHealthy: () => true });
  await gatewayApp.listen({ host: '127.0.0.1', port: 0 });
  const url = server.url;
  const admin = await clientCredentialsToken(url, ADMIN_ID, ADMIN_SECRET);
  const api = async (path: string, method: string, body: unknown, base = url) => {
    const response = await request(`${base}/admin/api/v1${path}`, json(method, body, bearer(admin)));
    assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const noLimits = { token_per_client_per_min: 0, introspect_per_client_per_min: 0, authorize_per_source_per_min: 0, login_per_account_per_min: 0, login_per_source_per_min: 0 };
  await api('/settings', 'PATCH', { rate_limits: noLimits });
  const acme = await api('/tenants', 'POST', { id: 'acme', name: 'Acme' });
  // A tenant's signing key is made on its first use: done here, so no fuzz request is the first.
  await clientCredentialsToken(`${url}/t/acme`, acme.admin_client_id, acme.admin_client_secret);
  await api('/settings', 'PATCH', { rate_limits: noLimits }, `${url}/t/acme`);
  await api('/scopes', 'POST', { name: 'photos', services: [`${SERVICE_PREFIX}/**`] });
  await api('/services', 'POST', { name: 'fuzz', path_prefix: SERVICE_PREFIX, upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
  const user = await api('/users', 'POST', { username: USERNAME, password: PASSWORD });
  const redirectUri = 'https://app.example/cb';
  const registered = await request(`${url}/oauth/register`, json('POST', { client_name: 'Fuzz web', redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token', 'password', 'client_credentials'], scope: 'openid photos', refresh_token_limit: null }, bearer(admin)));
  const web = { id: registered.body.client_id as string, secret: registered.body.client_secret as string };
  const spa = await request(`${url}/oauth/register`, json('POST', { client_name: 'Fuzz SPA', token_endpoint_auth_method: 'none', redirect_uris: [redirectUri], grant_types: ['authorization_code'], scope: 'photos' }, bearer(admin)));
  const tokens = await request(`${url}/oauth/token`, form({ grant_type: 'password', username: USERNAME, password: PASSWORD, scope: 'openid photos' }, { authorization: basic(web.id, web.secret) }));
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  // Revoked, so replaying it can change nothing: a live one would rotate (a success) or trip reuse detection.
  const revoked = await request(`${url}/oauth/revoke`, form({ token: tokens.body.refresh_token }, { authorization: basic(web.id, web.secret) }));
  assert.equal(revoked.status, 200);
  const accessToken = await clientCredentialsToken(url, web.id, web.secret, 'photos');
  const snapshot = storeSnapshot(databaseUrl);

  return {
    url,
    gateway: `http://127.0.0.1:${(gatewayApp.server.address() as AddressInfo).port}`,
    admin,
    web,
    publicId: spa.body.client_id,
    known: { accessToken, revokedRefreshToken: tokens.body.refresh_token, userId: user.id, redirectUri },
    snapshot,
    async close() {
      await snapshot.close();
      await gatewayApp.close();
      await server.close();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    },
  };
}
