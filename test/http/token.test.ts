/** The token endpoint with client_credentials, and every malformed request it must refuse (RFC 6749 §5.2). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify, decodeJwt } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request, withAuthorizations } from '../helpers/oauth.js';

for (const database of testDatabases()) {
  describe(`token endpoint on ${database.name}`, () => {
    let server: TestServer;
    let tokenUrl: string;
    let client: { id: string; secret: string };
    const auth = () => ({ authorization: basic(client.id, client.secret) });

    before(async () => {
      server = await startServer(await database.create());
      tokenUrl = `${server.url}/oauth/token`;
      const admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      for (const name of ['orders', 'photos']) {
        const created = await request(`${server.url}/admin/api/v1/scopes`, json('POST', { name, description: name, services: [`/${name}/**`] }, bearer(admin)));
        assert.equal(created.status, 201);
      }
      const registered = await request(
        `${server.url}/oauth/register`,
        json('POST', { client_name: 'Machine', grant_types: ['client_credentials'], scope: 'orders photos', access_token_lifetime: 120 }, bearer(admin)),
      );
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      client = { id: registered.body.client_id, secret: registered.body.client_secret };
    });
    after(() => server.close());

    test('client_credentials with Basic: an RFC 9068 JWT that jose verifies against the JWKS', async () => {
      const response = await request(tokenUrl, form({ grant_type: 'client_credentials' }, auth()));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.body.token_type, 'Bearer');
      assert.equal(response.body.expires_in, 120);
      assert.equal(response.body.scope, 'orders photos', 'an omitted scope means all the client’s scopes');
      assert.equal(response.body.refresh_token, undefined, 'no refresh token for client_credentials');
      const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth/jwks`));
      const { payload, protectedHeader } = await jwtVerify(response.body.access_token, jwks, {
        typ: 'at+jwt',
        issuer: server.url,
        audience: `${server.url}/gateway`,
        algorithms: ['ES256'],
      });
      assert.equal(protectedHeader.alg, 'ES256');
      assert.equal(payload.sub, client.id);
      assert.equal(payload.client_id, client.id);
      assert.equal(payload.scope, 'orders photos');
      assert.equal(payload.exp! - payload.iat!, 120);
      assert.match(payload.jti!, /^[A-Za-z0-9_-]{22,}$/);
    });

    test('client_secret_post and a narrower scope', async () => {
      const response = await request(tokenUrl, form({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret, scope: 'photos' }));
      assert.equal(response.status, 200);
      assert.equal(response.body.scope, 'photos');
      assert.equal(decodeJwt(response.body.access_token).scope, 'photos');
    });

    test('every issued token is recorded before the response', async () => {
      const response = await request(tokenUrl, form({ grant_type: 'client_credentials' }, auth()));
      const { jti } = decodeJwt(response.body.access_token);
      const row = await server.gh.store.tokens.get(jti!);
      assert.equal(row?.client_id, client.id);
      assert.equal(row?.scope, 'orders photos');
    });

    test('scope outside the client’s scopes → invalid_scope; case-sensitive matching', async () => {
      // Malformed scopes too (RFC 6749 §5.2: "invalid, unknown, malformed").
      for (const scope of ['admin', 'Orders', 'orders unknown', 'a"b', 'orders  orders']) {
        const response = await request(tokenUrl, form({ grant_type: 'client_credentials', scope }, auth()));
        assert.equal(response.status, 400, scope);
        assert.equal(response.body.error, 'invalid_scope');
      }
    });

    test('wrong secret and unknown client → 401 invalid_client, with a Basic challenge when Basic was used', async () => {
      for (const authorization of [basic(client.id, 'wrong'), basic('nobody', client.secret), 'Basic', 'Basic ']) {
        const response = await request(tokenUrl, form({ grant_type: 'client_credentials' }, { authorization }));
        assert.equal(response.status, 401);
        assert.equal(response.body.error, 'invalid_client');
        assert.match(response.headers.get('www-authenticate') ?? '', /^Basic realm=/);
        assert.equal(response.headers.get('cache-control'), 'no-store');
      }
      const post = await request(tokenUrl, form({ grant_type: 'client_credentials', client_id: client.id, client_secret: 'wrong' }));
      assert.equal(post.status, 401);
      assert.equal(post.body.error, 'invalid_client');
      assert.equal(post.headers.get('www-authenticate'), null);
    });

    test('no client authentication → invalid_client', async () => {
      const response = await request(tokenUrl, form({ grant_type: 'client_credentials' }));
      assert.equal(response.status, 401);
      assert.equal(response.body.error, 'invalid_client');
    });

    test('two authentication methods at once → invalid_request', async () => {
      const response = await request(tokenUrl, form({ grant_type: 'client_credentials', client_secret: client.secret }, auth()));
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'invalid_request');
    });

    test('missing, unknown and unauthorized grant types', async () => {
      const missing = await request(tokenUrl, form({}, auth()));
      assert.equal(missing.body.error, 'invalid_request');
      const unknown = await request(tokenUrl, form({ grant_type: 'urn:example:nope' }, auth()));
      assert.equal(unknown.body.error, 'unsupported_grant_type');
      assert.equal(unknown.status, 400);
      const admin = await request(tokenUrl, form({ grant_type: 'client_credentials' }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
      assert.equal(admin.status, 200);
    });

    test('settings.allowed_grants forbids a grant outright, but must keep client_credentials, which administrators sign in with', async () => {
      const admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const settings = (allowed_grants: string[]) => request(`${server.url}/admin/api/v1/settings`, json('PATCH', { allowed_grants }, bearer(admin)));
      const created = await request(`${server.url}/admin/api/v1/clients`, json('POST', { client_name: 'Tenant grants', grant_types: ['client_credentials', 'password'], scope: 'orders' }, bearer(admin)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const password = () => request(tokenUrl, form({ grant_type: 'password', username: 'nobody', password: 'irrelevant' }, { authorization: basic(created.body.client_id, created.body.client_secret) }));
      assert.equal((await password()).body.error, 'invalid_grant', 'allowed: the credentials are checked');

      assert.equal((await settings(['authorization_code', 'client_credentials', 'refresh_token'])).status, 200);
      try {
        const refused = await password();
        assert.equal(refused.status, 400);
        assert.equal(refused.body.error, 'unauthorized_client');
        assert.match(refused.body.error_description, /disabled in this tenant/);
        const registered = await request(`${server.url}/oauth/register`, json('POST', { client_name: 'Wants password', grant_types: ['password'], scope: 'orders' }, bearer(admin)));
        assert.equal(registered.status, 400);
        assert.equal(registered.body.error, 'invalid_client_metadata');
        assert.equal((await request(tokenUrl, form({ grant_type: 'client_credentials' }, auth()))).status, 200);

        const lockout = await settings(['authorization_code', 'refresh_token']);
        assert.equal(lockout.status, 400);
        assert.equal(lockout.body.errors[0].field, 'allowed_grants');
        assert.match(lockout.body.errors[0].message, /must keep client_credentials/);
        assert.equal((await request(tokenUrl, form({ grant_type: 'client_credentials' }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }))).status, 200, 'the administrators can still sign in');
      } finally {
        assert.equal((await settings(['authorization_code', 'implicit', 'client_credentials', 'password', 'refresh_token'])).status, 200);
      }
    });

    test('duplicate parameters → invalid_request', async () => {
      const response = await request(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth() },
        body: 'grant_type=client_credentials&scope=orders&scope=photos',
      });
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'invalid_request');
      assert.match(response.body.error_description, /scope/);
    });

    test('credentials in the query string are refused', async () => {
      const response = await request(`${tokenUrl}?client_secret=${client.secret}`, form({ grant_type: 'client_credentials', client_id: client.id }));
      assert.equal(response.status, 400);
      assert.equal(response.body.error, 'invalid_request');
      const grantInQuery = await request(`${tokenUrl}?grant_type=client_credentials`, form({ grant_type: 'client_credentials' }, auth()));
      assert.equal(grantInQuery.body.error, 'invalid_request', 'the same parameter in query and body is a duplicate');
    });

    test('two Authorization headers are invalid_request at the token, introspection and revocation endpoints, whichever comes first', async () => {
      const good = basic(ADMIN_ID, ADMIN_SECRET);
      const paths: [string, string][] = [['/oauth/token', 'grant_type=client_credentials'], ['/oauth/introspect', 'token=x'], ['/oauth/revoke', 'token=x']];
      for (const [path, body] of paths) {
        for (const order of [[good, 'Basic Zm9vOmJhcg=='], ['Basic Zm9vOmJhcg==', good]]) {
          const response = await withAuthorizations(`${server.url}${path}`, order, { method: 'POST', contentType: 'application/x-www-form-urlencoded', body });
          assert.equal(response.status, 400, `${path}: ${JSON.stringify(response.body)}`);
          assert.equal(response.body.error, 'invalid_request');
        }
      }
    });

    test('GET never issues a token', async () => {
      const response = await request(`${tokenUrl}?grant_type=client_credentials`, { headers: auth() });
      assert.equal(response.status, 405);
      assert.equal(response.body.error, 'invalid_request');
      assert.equal(response.headers.get('allow'), 'POST');
      assert.equal(response.body.access_token, undefined);
    });

    test('JSON bodies only with compat.json_token_body; malformed bodies are invalid_request', async () => {
      const refused = await request(tokenUrl, json('POST', { grant_type: 'client_credentials' }, auth()));
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error, 'invalid_request');
      const broken = await request(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: '{"grant_type":' });
      assert.equal(broken.status, 400);
      assert.equal(broken.body.error, 'invalid_request');
      const nested = await request(tokenUrl, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth() }, body: 'grant_type=client_credentials' });
      assert.ok(nested.status >= 400 && nested.status < 500);
      assert.equal(nested.body.error, 'invalid_request');
    });

    test('introspection and revocation take form bodies too (JSON only with compat.json_token_body)', async () => {
      const token = (await request(tokenUrl, form({ grant_type: 'client_credentials' }, auth()))).body.access_token;
      for (const path of ['/oauth/introspect', '/oauth/revoke']) {
        const refused = await request(`${server.url}${path}`, json('POST', { token }, auth()));
        assert.equal(refused.status, 400, path);
        assert.equal(refused.body.error, 'invalid_request', path);
      }
      const introspected = await request(`${server.url}/oauth/introspect`, form({ token }, auth()));
      assert.equal(introspected.body.active, true, 'the refused JSON revocation changed nothing');
    });

    test('the GAM and webMethods aliases answer like /oauth/token', async () => {
      for (const path of ['/oauth/access_token', '/oauth/gam/v2.0/access_token', '/invoke/pub.apigateway.oauth2/getAccessToken', '/integration/rest/oAuth/getToken']) {
        const response = await request(`${server.url}${path}`, form({ grant_type: 'client_credentials' }, auth()));
        assert.equal(response.status, 200, path);
        assert.equal(response.body.token_type, 'Bearer');
        assert.equal((await request(`${server.url}${path}`)).status, 405, `GET ${path} never issues a token`);
      }
    });

    test('a deactivated client gets invalid_client; its tokens introspect inactive', async () => {
      const admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const token = (await request(tokenUrl, form({ grant_type: 'client_credentials' }, auth()))).body.access_token;
      const patched = await request(`${server.url}/admin/api/v1/clients/${client.id}`, json('PATCH', { active: false }, bearer(admin)));
      assert.equal(patched.status, 200);
      const refused = await request(tokenUrl, form({ grant_type: 'client_credentials' }, auth()));
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid_client');
      const introspected = await request(`${server.url}/oauth/introspect`, form({ token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
      assert.deepEqual(introspected.body, { active: false });
      await request(`${server.url}/admin/api/v1/clients/${client.id}`, json('PATCH', { active: true }, bearer(admin)));
      const stillRefused = await request(`${server.url}/oauth/introspect`, form({ token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
      assert.deepEqual(stillRefused.body, { active: false }, 'reactivation does not revive old tokens');
    });

    test('an unknown tenant answers 404 in OAuth form', async () => {
      const response = await request(`${server.url}/t/nope/oauth/token`, form({ grant_type: 'client_credentials' }, auth()));
      assert.equal(response.status, 404);
      assert.equal(response.body.error, 'invalid_request');
    });
  });
}
