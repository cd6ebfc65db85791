/**
 * Token lifecycle rules that need a server behaving in ways Gatehouse does not: a refresh answer
 * without a new refresh token (kept), answers without `expires_in` (the documented rule), GAM's
 * `expires_in: 0` / `refresh_token: ""`, a refused refresh token, answers that are not RFC 6749
 * JSON, and the refresh margin. A scripted token endpoint over real HTTP.
 */
import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginRequiredError, OAuthClient, OAuthError, UnexpectedResponseError, type ExchangeEvent, type OAuthClientOptions } from '../../client/src/index.js';
import { fieldsOf, littleServer, type Answer, type LittleServer } from './little-servers.js';

describe('client token lifecycle', () => {
  const servers: LittleServer[] = [];
  const clients: OAuthClient[] = [];
  async function setup(answer: Answer, options: Partial<OAuthClientOptions> = {}) {
    const server = await littleServer(answer);
    servers.push(server);
    const client = new OAuthClient({ tokenUrl: `${server.url}/token`, clientId: 'life', clientSecret: 'life-secret', grant: { type: 'password', username: 'u', password: 'p' }, ...options });
    clients.push(client);
    const grants = () => server.received.map((r) => fieldsOf(r).grant_type);
    return { server, client, grants };
  }
  const expire = async (client: OAuthClient) => client.restore({ ...(await client.snapshot())!, expiresAt: Date.now() - 1 });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  test('a refresh answered without a refresh token keeps the one the client has', async () => {
    let n = 0;
    const { server, client } = await setup((r) => {
      n++;
      return fieldsOf(r).grant_type === 'password'
        ? { body: { access_token: `a${n}`, token_type: 'Bearer', expires_in: 600, refresh_token: 'r-original' } }
        : { body: { access_token: `a${n}`, token_type: 'Bearer', expires_in: 600 } };
    });
    assert.equal((await client.getToken()).accessToken, 'a1');
    await expire(client);
    const refreshed = await client.getToken();
    assert.equal(refreshed.accessToken, 'a2');
    assert.equal(refreshed.refreshToken, 'r-original');
    await expire(client);
    assert.equal((await client.getToken()).accessToken, 'a3');
    assert.deepEqual(server.received.map((r) => fieldsOf(r).refresh_token), [undefined, 'r-original', 'r-original'], 'the kept token was used again');
  });

  test('no expires_in: the token is used until the API refuses it, then renewed once', async () => {
    let n = 0;
    const { client, grants } = await setup(() => ({ body: { access_token: `n${++n}`, token_type: 'Bearer' } }));
    const api = await littleServer((r) => (r.headers.authorization === 'Bearer n1' ? { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } } : { body: 'ok' }));
    servers.push(api);
    const first = await client.getToken();
    assert.equal(first.expiresAt, undefined);
    assert.equal((await client.getToken()).accessToken, 'n1', 'reused: nothing says it expired');
    const response = await client.fetch(`${api.url}/x`);
    assert.equal(response.status, 200);
    assert.deepEqual(api.received.map((r) => r.headers.authorization), ['Bearer n1', 'Bearer n2']);
    assert.deepEqual(grants(), ['password', 'password']);
  });

  test('assumedLifetimeSeconds gives such tokens a lifetime; GAM’s expires_in 0 and refresh_token "" mean none', async () => {
    const { client } = await setup(() => ({ body: { access_token: 'gam', token_type: 'Bearer', expires_in: 0, refresh_token: '' } }), { assumedLifetimeSeconds: 120 });
    const before = Date.now();
    const set = await client.getToken();
    assert.ok(set.expiresAt! >= before + 120_000 && set.expiresAt! <= Date.now() + 120_000);
    assert.equal(set.refreshToken, undefined);
  });

  test('the refresh margin: renewed that long before expiry, capped at half a short lifetime', async () => {
    let n = 0;
    const { client, grants } = await setup(() => ({ body: { access_token: `m${++n}`, expires_in: 100 } }), { refreshMarginSeconds: 30 });
    await client.getToken();
    const set = (await client.snapshot())!;
    await client.restore({ ...set, receivedAt: Date.now() - 60_000, expiresAt: Date.now() + 40_000 });
    assert.equal((await client.getToken()).accessToken, 'm1', '40 s left > 30 s margin');
    await client.restore({ ...set, receivedAt: Date.now() - 80_000, expiresAt: Date.now() + 20_000 });
    assert.equal((await client.getToken()).accessToken, 'm2', '20 s left < 30 s margin');
    // A 10 s token: the margin shrinks to 5 s, so it is still reused at once.
    await client.restore({ ...(await client.snapshot())!, receivedAt: Date.now(), expiresAt: Date.now() + 10_000 });
    assert.equal((await client.getToken()).accessToken, 'm2');
    assert.deepEqual(grants(), ['password', 'password']);
  });

  test('a refused refresh token: a grant that can run again does; a sign-in needs the user', async () => {
    let n = 0;
    const answer: Answer = (r) => (fieldsOf(r).grant_type === 'refresh_token' ? { status: 400, body: { error: 'invalid_grant', error_description: 'refresh token expired' } } : { body: { access_token: `f${++n}`, expires_in: 600, refresh_token: 'r' } });
    const { client, grants } = await setup(answer);
    await client.getToken();
    await expire(client);
    assert.equal((await client.getToken()).accessToken, 'f2');
    assert.deepEqual(grants(), ['password', 'refresh_token', 'password']);

    const signedIn = await setup(answer, { grant: { type: 'authorization_code' } });
    await assert.rejects(signedIn.client.getToken(), LoginRequiredError, 'no token before a sign-in');
    await signedIn.client.restore({ accessToken: 'x', tokenType: 'Bearer', receivedAt: Date.now(), expiresAt: Date.now() - 1, refreshToken: 'r' });
    await assert.rejects(signedIn.client.getToken(), (error: unknown) => error instanceof LoginRequiredError && error.cause instanceof OAuthError);
  });

  test('client authentication: basic (form-encoded id and secret), post, none', async () => {
    const { server, client } = await setup(() => ({ body: { access_token: 't', expires_in: 60 } }), { clientId: 'id:with space', clientSecret: 's&cret', grant: { type: 'client_credentials' } });
    await client.getToken();
    const basic = server.received[0]!;
    assert.equal(Buffer.from(basic.headers.authorization!.replace(/^Basic /, ''), 'base64').toString(), 'id%3Awith+space:s%26cret');
    assert.equal(fieldsOf(basic).client_secret, undefined);

    const post = await setup(() => ({ body: { access_token: 't', expires_in: 60 } }), { clientAuth: 'client_secret_post', grant: { type: 'client_credentials' }, scope: 'a b' });
    await post.client.getToken();
    assert.deepEqual(fieldsOf(post.server.received[0]!), { grant_type: 'client_credentials', scope: 'a b', client_id: 'life', client_secret: 'life-secret' });
    assert.equal(post.server.received[0]!.headers.authorization, undefined);

    const none = await setup(() => ({ body: { access_token: 't', expires_in: 60 } }), { clientSecret: undefined, grant: { type: 'client_credentials' } });
    await none.client.getToken();
    assert.deepEqual(fieldsOf(none.server.received[0]!), { grant_type: 'client_credentials', client_id: 'life' });
  });

  test('answers that are neither a token nor RFC 6749 JSON are reported as such', async () => {
    const html = await setup(() => ({ status: 502, body: '<html>bad gateway</html>' }));
    await assert.rejects(html.client.getToken(), (error: unknown) => error instanceof UnexpectedResponseError && error.status === 502 && /bad gateway/.test(error.message));
    const noToken = await setup(() => ({ body: { token_type: 'Bearer' } }));
    await assert.rejects(noToken.client.getToken(), (error: unknown) => error instanceof UnexpectedResponseError && /no access_token/.test(error.message));
  });

  test('such answers are quoted with tokens and secrets masked, keeping field names and error codes', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtdXNlciJ9.SECRET-JWT-SIGNATURE-abcdefghij';
    const cases: Array<{ reply: { status?: number; headers?: Record<string, string>; body: unknown }; secrets: string[]; kept: RegExp[] }> = [
      { reply: { status: 201, body: { access_token: 'SECRET-ACCESS-TOKEN-abcdefghijklmnop', refresh_token: 'SECRET-REFRESH-abcdefghij', token_type: 'Bearer', expires_in: 600 } }, secrets: ['SECRET-ACCESS-TOKEN', 'SECRET-REFRESH'], kept: [/HTTP 201/, /"access_token"/, /"token_type":"Bearer"/, /"expires_in":600/] },
      { reply: { body: { accessToken: 'SECRET-ACCESS-TOKEN-abcdefghijklmnop', tokenType: 'Bearer' } }, secrets: ['SECRET-ACCESS-TOKEN'], kept: [/no access_token/, /"accessToken"/, /"tokenType":"Bearer"/] },
      { reply: { body: { data: { access_token: 'SECRET-NESTED-TOKEN-abcdefghijklmnop', clientSecret: 'SECRET-CLIENT' }, items: [{ 'x-api-key': 'SECRET-KEY' }] } }, secrets: ['SECRET-NESTED', 'SECRET-CLIENT', 'SECRET-KEY'], kept: [/"data"/, /"clientSecret"/, /"x-api-key"/] },
      { reply: { status: 400, body: { errorCode: 'AUTH-17', detail: 'password expired', password: 'SECRET-PASSWORD', result: jwt } }, secrets: ['SECRET-PASSWORD', 'SECRET-JWT', 'eyJzdWIiOiJzZWNyZXQtdXNlciJ9'], kept: [/HTTP 400/, /"errorCode":"AUTH-17"/, /password expired/, /"result"/] },
      { reply: { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'access_token=SECRET-FORM-TOKEN-abcdefghijklmnop&token_type=bearer&scope=a+b' }, secrets: ['SECRET-FORM-TOKEN'], kept: [/access_token/, /token_type/, /bearer/] },
      { reply: { status: 502, body: `<html>upstream said: Bearer ${jwt}</html>` }, secrets: ['SECRET-JWT', 'eyJzdWIiOiJzZWNyZXQtdXNlciJ9'], kept: [/HTTP 502/, /<html>upstream said: Bearer …/] },
    ];
    for (const { reply, secrets, kept } of cases) {
      const events: ExchangeEvent[] = [];
      const { client } = await setup(() => reply, { onExchange: (event) => events.push(event) });
      await assert.rejects(client.getToken(), (error: unknown) => {
        assert.ok(error instanceof UnexpectedResponseError, String(error));
        for (const secret of secrets) {
          assert.ok(!error.message.includes(secret), `${secret} in the message: ${error.message}`);
          assert.ok(!error.bodyExcerpt.includes(secret), `${secret} in bodyExcerpt: ${error.bodyExcerpt}`);
        }
        for (const pattern of kept) assert.match(error.message, pattern);
        return true;
      });
      const observed = JSON.stringify(events);
      for (const secret of secrets) assert.ok(!observed.includes(secret), `${secret} shown to onExchange: ${observed}`);
    }
  });
});
