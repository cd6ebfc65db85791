/**
 * The SDK against Gatehouse and its gateway over real HTTP: discovery and client_credentials,
 * the cache, 100 concurrent callers over an expired token (one token request, counted by the
 * server), the single retry after a 401 (revoked token; an API that always refuses), no retry on
 * 403, the GAM scenario (password grant at /oauth/access_token, `OAuth` scheme, GENEXUS-AGENT),
 * the API-key exchange, refresh, the JSON token body, and RFC 6749 §5.2 errors as typed errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { createFetch, OAuthClient, OAuthError, type ExchangeEvent } from '../../client/src/index.js';
import { clientOptions, profileFromFlags } from '../../client/src/cli/profile.js';
import { testDatabases } from '../helpers/databases.js';
import { json } from '../helpers/oauth.js';
import { startStack, type Stack } from './stack.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const apiRequests = (events: ExchangeEvent[]) => events.filter((e) => e.target === 'API' && e.direction === 'request');
const grantTypes = (events: ExchangeEvent[]) => events.filter((e) => e.target === 'token endpoint' && e.direction === 'request').map((e) => e.fields?.grant_type);

// The client touches no storage itself: one database is enough to serve it.
const database = testDatabases()[0]!;

describe('client SDK against Gatehouse', () => {
  let stack: Stack;
  let userId: string;

  before(async () => {
    stack = await startStack(await database.create());
    const user = await stack.admin('/users', json('POST', { username: 'gam-user', password: 'gam-user-password-1' }));
    assert.equal(user.status, 201, JSON.stringify(user.body));
    userId = user.body.id;
  });
  after(async () => {
    await stack?.close();
  });

  test('client_credentials by discovery: a Bearer token reaches the API, and is reused', async () => {
    const app = await stack.createClient({ client_name: 'cc-discovery', grant_types: ['client_credentials'], scope: 'orders.read' });
    const events: ExchangeEvent[] = [];
    const api = createFetch({ issuer: stack.server.url, clientId: app.id, clientSecret: app.secret, grant: { type: 'client_credentials' }, scope: 'orders.read', onExchange: (e) => events.push(e) });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await api(`${stack.gateway}/orders/${i}`);
        assert.equal(response.status, 200);
        assert.equal(((await response.json()) as { client: string }).client, app.id);
      }
      assert.equal(await stack.issuedTokens(app.id), 1, 'one token served three calls');
      assert.ok(events.some((e) => e.target === 'discovery'), 'the token endpoint came from the metadata');
      const sent = apiRequests(events)[0]!;
      assert.match(sent.headers.authorization!, /^Bearer …\S{4}\(\d+ chars\)$/, 'the listener sees the scheme and a masked token');
    } finally {
      await api.client.close();
    }
  });

  test('100 concurrent calls over an expired token: exactly one token request, 100 successes', async () => {
    const app = await stack.createClient({ client_name: 'cc-concurrent', grant_types: ['client_credentials'], scope: 'orders.read', access_token_lifetime: 1 });
    const api = createFetch({ tokenUrl: `${stack.server.url}/oauth/token`, clientId: app.id, clientSecret: app.secret, grant: { type: 'client_credentials' } });
    try {
      const first = await api.client.getToken();
      // Let it expire for real, then make the next one last for the whole burst.
      await sleep(first.expiresAt! - Date.now() + 1500);
      const patched = await stack.admin(`/clients/${app.id}`, json('PATCH', { access_token_lifetime: 600 }));
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.ok((await api.client.snapshot())!.expiresAt! < Date.now(), 'the cached token has expired');
      assert.equal(await stack.issuedTokens(app.id), 1);

      const before = stack.hits.length;
      const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => api(`${stack.gateway}/orders/c${i}`)));
      assert.deepEqual(responses.map((r) => r.status), Array(100).fill(200));
      await Promise.all(responses.map((r) => r.arrayBuffer()));
      assert.equal(stack.hits.length - before, 100, 'every call reached the upstream');
      assert.equal(await stack.issuedTokens(app.id), 2, 'the server issued exactly one token for the 100 callers');
    } finally {
      await api.client.close();
    }
  });

  test('a revoked token: the 401 invalid_token renews it and the call is retried once, with its body', async () => {
    const app = await stack.createClient({ client_name: 'cc-revoked', grant_types: ['client_credentials'], scope: 'orders.read orders.write' });
    const events: ExchangeEvent[] = [];
    const api = createFetch({ tokenUrl: `${stack.server.url}/oauth/token`, clientId: app.id, clientSecret: app.secret, grant: { type: 'client_credentials' }, onExchange: (e) => events.push(e) });
    try {
      assert.equal((await api(`${stack.gateway}/orders/1`)).status, 200);
      const { jti } = decodeJwt((await api.client.getToken()).accessToken);
      assert.equal((await stack.admin(`/tokens/${jti}`, { method: 'DELETE' })).status, 204);
      events.length = 0;

      // A Request of Node's own fetch, with a streamed body: copied, and kept for the retry.
      const response = await api(new globalThis.Request(`${stack.gateway}/orders/2`, { method: 'POST', body: 'payload-2', headers: { 'content-type': 'text/plain' } }));
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { body: string }).body, 'payload-2', 'the retry carried the body again');
      assert.deepEqual(apiRequests(events).map((e) => e.method), ['POST', 'POST'], 'one refused attempt, one retry');
      assert.deepEqual(grantTypes(events), ['client_credentials'], 'one renewal');
      assert.equal(await stack.issuedTokens(app.id), 2);
    } finally {
      await api.client.close();
    }
  });

  test('an API that refuses every token: one retry, then its 401 is returned — never a loop', async () => {
    let hits = 0;
    const refusing = http.createServer((_req, res) => {
      hits++;
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="x", error="invalid_token", error_description="no"' }).end();
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const app = await stack.createClient({ client_name: 'cc-refused', grant_types: ['client_credentials'], scope: 'orders.read' });
    const api = createFetch({ tokenUrl: `${stack.server.url}/oauth/token`, clientId: app.id, clientSecret: app.secret, grant: { type: 'client_credentials' } });
    try {
      const response = await api(`http://127.0.0.1:${(refusing.address() as AddressInfo).port}/x`);
      assert.equal(response.status, 401);
      assert.equal(hits, 2, 'the first attempt and exactly one retry');
      assert.equal(await stack.issuedTokens(app.id), 2, 'one token, one renewal');
    } finally {
      await api.client.close();
      refusing.close();
    }
  });

  test('403 insufficient_scope is not retried: a new token would not help', async () => {
    const app = await stack.createClient({ client_name: 'cc-reader', grant_types: ['client_credentials'], scope: 'orders.read' });
    const events: ExchangeEvent[] = [];
    const api = createFetch({ tokenUrl: `${stack.server.url}/oauth/token`, clientId: app.id, clientSecret: app.secret, grant: { type: 'client_credentials' }, onExchange: (e) => events.push(e) });
    try {
      const response = await api(`${stack.gateway}/orders/3`, { method: 'DELETE' });
      assert.equal(response.status, 403);
      assert.match(response.headers.get('www-authenticate')!, /insufficient_scope/);
      assert.equal(apiRequests(events).length, 1);
      assert.equal(await stack.issuedTokens(app.id), 1);
    } finally {
      await api.client.close();
    }
  });

  test('GAM (seed 001): password grant at /oauth/access_token, OAuth scheme and GENEXUS-AGENT; refresh keeps working', async () => {
    assert.equal((await stack.admin('/settings', json('PATCH', { compat: { oauth_scheme: true } }))).status, 200);
    const app = await stack.createClient({ client_name: 'gam-app', grant_types: ['password', 'refresh_token'], scope: 'orders.read', refresh_token_limit: null });
    const events: ExchangeEvent[] = [];
    const api = createFetch({
      tokenUrl: `${stack.server.url}/oauth/access_token`,
      clientId: app.id,
      clientSecret: app.secret,
      clientAuth: 'client_secret_post',
      grant: { type: 'password', username: 'gam-user', password: 'gam-user-password-1' },
      scope: 'orders.read',
      authorizationScheme: 'OAuth',
      headers: { 'GENEXUS-AGENT': 'SmartDevice Application' },
      onExchange: (e) => events.push(e),
    });
    try {
      const response = await api(`${stack.gateway}/orders/gam`);
      assert.equal(response.status, 200);
      const echoed = (await response.json()) as { subject: string; agent: string };
      assert.equal(echoed.subject, userId, 'the token acts for the user');
      assert.equal(echoed.agent, 'SmartDevice Application');
      assert.match(apiRequests(events)[0]!.headers.authorization!, /^OAuth /);
      const tokenRequest = events.find((e) => e.target === 'token endpoint' && e.direction === 'request')!;
      assert.equal(tokenRequest.headers['genexus-agent'], 'SmartDevice Application', 'the token request carries the header too');
      assert.notEqual(tokenRequest.fields!.password, 'gam-user-password-1', 'the listener never sees the password');
      assert.notEqual(tokenRequest.fields!.client_secret, app.secret);

      // Make the cached token due for renewal: the refresh token is used, not the password.
      const first = (await api.client.snapshot())!;
      assert.ok(first.refreshToken, 'the password grant issued a refresh token');
      await api.client.restore({ ...first, expiresAt: Date.now() - 1000 });
      events.length = 0;
      assert.equal((await api(`${stack.gateway}/orders/gam2`)).status, 200);
      assert.deepEqual(grantTypes(events), ['refresh_token']);
      const second = (await api.client.snapshot())!;
      assert.notEqual(second.accessToken, first.accessToken);
      assert.ok(second.refreshToken);
    } finally {
      await api.client.close();
      assert.equal((await stack.admin('/settings', json('PATCH', { compat: { oauth_scheme: false } }))).status, 200);
    }
  });

  test('the API-key exchange in GAM form, and a JSON token request body', async () => {
    const app = await stack.createClient({ client_name: 'gam-keys', grant_types: ['client_credentials'], scope: 'orders.read', api_key_enabled: true });
    const key = await stack.admin(`/users/${userId}/api-keys`, json('POST', { client_id: app.id }));
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const events: ExchangeEvent[] = [];
    const api = createFetch({ tokenUrl: `${stack.server.url}/oauth/token`, clientId: app.id, clientSecret: app.secret, clientAuth: 'client_secret_post', grant: { type: 'api_key', apiKey: key.body.api_key }, onExchange: (e) => events.push(e) });
    try {
      const response = await api(`${stack.gateway}/orders/key`);
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { subject: string }).subject, userId);
      const sent = events.find((e) => e.target === 'token endpoint' && e.direction === 'request')!.fields!;
      assert.equal(sent.grant_type, 'password');
      assert.equal(sent.authentication_type_name, 'apikey');
      assert.notEqual(sent.api_key, key.body.api_key, 'masked');
    } finally {
      await api.client.close();
    }

    // A tenant's API-key authentication type of another name (seed 004), named by the grant and, in the CLI, --auth-type.
    assert.equal((await stack.admin('/settings', json('PATCH', { api_key_auth_types: ['apikey', 'partners'] }))).status, 200);
    const named = clientOptions(profileFromFlags({ 'token-url': `${stack.server.url}/oauth/token`, 'client-id': app.id, 'client-secret': app.secret, grant: 'api_key', 'api-key': key.body.api_key, 'auth-type': 'partners' }), 'gam');
    assert.deepEqual(named.grant, { type: 'api_key', apiKey: key.body.api_key, authType: 'partners' });
    const partners = new OAuthClient(named);
    try {
      assert.equal((await stack.admin(`/clients/${app.id}`, json('PATCH', { api_key_allowed_auth_type: 'partners' }))).status, 200);
      assert.ok((await partners.getToken()).accessToken);
    } finally {
      await partners.close();
      await stack.admin(`/clients/${app.id}`, json('PATCH', { api_key_allowed_auth_type: null }));
      await stack.admin('/settings', json('PATCH', { api_key_auth_types: ['apikey'] }));
    }

    assert.equal((await stack.admin('/settings', json('PATCH', { compat: { json_token_body: true } }))).status, 200);
    const jsonClient = new OAuthClient({ tokenUrl: `${stack.server.url}/oauth/token`, clientId: app.id, clientSecret: app.secret, grant: { type: 'client_credentials' }, tokenRequestBody: 'json' });
    try {
      assert.ok((await jsonClient.getToken()).accessToken);
    } finally {
      await jsonClient.close();
      await stack.admin('/settings', json('PATCH', { compat: { json_token_body: false } }));
    }
  });

  test('RFC 6749 §5.2 errors are typed errors with error, error_description and the HTTP status', async () => {
    const app = await stack.createClient({ client_name: 'errors', grant_types: ['client_credentials', 'password'], scope: 'orders.read' });
    const wrongSecret = new OAuthClient({ tokenUrl: `${stack.server.url}/oauth/token`, clientId: app.id, clientSecret: 'not-the-secret', grant: { type: 'client_credentials' } });
    const wrongPassword = new OAuthClient({ tokenUrl: `${stack.server.url}/oauth/token`, clientId: app.id, clientSecret: app.secret, grant: { type: 'password', username: 'gam-user', password: 'wrong' } });
    try {
      await assert.rejects(wrongSecret.getToken(), (error: unknown) => {
        assert.ok(error instanceof OAuthError);
        assert.equal(error.error, 'invalid_client');
        assert.equal(error.status, 401);
        return true;
      });
      await assert.rejects(wrongPassword.getToken(), (error: unknown) => {
        assert.ok(error instanceof OAuthError);
        assert.equal(error.error, 'invalid_grant');
        assert.equal(error.status, 400);
        assert.equal(typeof error.errorDescription, 'string');
        return true;
      });
    } finally {
      await wrongSecret.close();
      await wrongPassword.close();
    }
  });
});
