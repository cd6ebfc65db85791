/**
 * Interoperability with oauth4webapi, a strict, spec-following client: discovery, dynamic
 * registration (RFC 7591, by fetch: oauth4webapi has no helper for it), client credentials,
 * introspection (RFC 7662) and revocation (RFC 7009). The access token is also checked as an
 * RFC 9068 JWT with jose against the advertised jwks_uri.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { clientCredentialsToken, json, request } from '../helpers/oauth.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;

for (const database of testDatabases()) {
  describe(`oauth4webapi interop on ${database.name}`, () => {
    let server: TestServer;
    let issuer: URL;
    let as: oauth.AuthorizationServer;
    let client: oauth.Client;
    let clientAuth: oauth.ClientAuth;

    before(async () => {
      server = await startServer(await database.create());
      issuer = new URL(server.url);
    });
    after(async () => {
      await server?.close();
    });

    test('discovery: OpenID and RFC 8414 metadata are accepted by a strict client', async () => {
      as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oidc' }));
      assert.equal(as.issuer, server.url);
      for (const field of ['token_endpoint', 'jwks_uri', 'registration_endpoint', 'revocation_endpoint', 'introspection_endpoint'] as const) {
        assert.equal(typeof as[field], 'string', `${field} is advertised`);
        assert.ok((as[field] as string).startsWith(`${server.url}/`), `${field} is under the issuer`);
      }
      assert.ok(as.grant_types_supported?.includes('client_credentials'));
      assert.ok(as.token_endpoint_auth_methods_supported?.includes('client_secret_basic'));

      const rfc8414 = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
      assert.deepEqual(rfc8414, as, 'both discovery documents describe the same server');
    });

    test('dynamic registration (RFC 7591) with a bootstrap-admin bearer token', async () => {
      const adminToken = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const unauthenticated = await request(as.registration_endpoint!, json('POST', { client_name: 'nobody', grant_types: ['client_credentials'] }));
      assert.equal(unauthenticated.status, 401, 'registration without a token is refused');

      const registered = await request(
        as.registration_endpoint!,
        json('POST', { client_name: 'oauth4webapi interop', grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic', scope: 'profile email' }, { authorization: `Bearer ${adminToken}` }),
      );
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const body = registered.body;
      assert.equal(typeof body.client_id, 'string');
      assert.equal(typeof body.client_secret, 'string');
      assert.equal(body.client_secret_expires_at, 0);
      assert.equal(typeof body.client_id_issued_at, 'number');
      assert.equal(typeof body.registration_access_token, 'string');
      assert.equal(body.registration_client_uri, `${as.registration_endpoint}/${encodeURIComponent(body.client_id)}`);
      assert.equal(body.token_endpoint_auth_method, 'client_secret_basic');
      client = { client_id: body.client_id };
      clientAuth = oauth.ClientSecretBasic(body.client_secret);
    });

    test('client credentials, JWT verification with jose, introspection, revocation', async () => {
      const tokenResponse = await oauth.processClientCredentialsResponse(
        as,
        client,
        await oauth.clientCredentialsGrantRequest(as, client, clientAuth, { scope: 'profile' }, insecure),
      );
      assert.equal(tokenResponse.token_type, 'bearer', 'oauth4webapi normalises token_type');
      assert.equal(tokenResponse.scope, 'profile');
      assert.equal(typeof tokenResponse.expires_in, 'number');
      assert.equal(tokenResponse.refresh_token, undefined, 'no refresh token for client_credentials');
      const accessToken = tokenResponse.access_token;

      // An omitted scope means all the client's scopes.
      const all = await oauth.processClientCredentialsResponse(as, client, await oauth.clientCredentialsGrantRequest(as, client, clientAuth, {}, insecure));
      assert.deepEqual(all.scope?.split(' ').sort(), ['email', 'profile']);

      // RFC 9068 access token, verified against the advertised JWKS.
      const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
      const { payload, protectedHeader } = await jwtVerify(accessToken, jwks, {
        typ: 'at+jwt',
        issuer: server.url,
        audience: `${server.url}/gateway`,
        algorithms: ['ES256'],
      });
      assert.equal(protectedHeader.alg, 'ES256');
      assert.equal(typeof protectedHeader.kid, 'string');
      assert.equal(payload.iss, server.url);
      assert.equal(payload.sub, client.client_id, 'sub is the client_id for client_credentials');
      assert.equal(payload.aud, `${server.url}/gateway`);
      assert.equal(payload.client_id, client.client_id);
      assert.equal(payload.scope, 'profile');
      assert.equal(typeof payload.jti, 'string');
      assert.ok(payload.jti!.length >= 16);
      const now = Math.floor(Date.now() / 1000);
      assert.ok(Math.abs(payload.iat! - now) <= 5, 'iat is now');
      assert.equal(payload.exp! - payload.iat!, tokenResponse.expires_in, 'exp - iat is expires_in');
      // The token is not accepted under another audience (an ID token check would use the client_id).
      await assert.rejects(jwtVerify(accessToken, jwks, { typ: 'at+jwt', issuer: server.url, audience: client.client_id }));

      const introspected = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, accessToken, insecure));
      assert.equal(introspected.active, true);
      assert.equal(introspected.scope, 'profile');
      assert.equal(introspected.client_id, client.client_id);
      assert.equal(introspected.sub, client.client_id);
      assert.equal(introspected.jti, payload.jti);
      assert.equal(introspected.exp, payload.exp);
      assert.equal(introspected.iss, server.url);

      // The other token of the client is unaffected by revoking this one.
      const otherBefore = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, all.access_token, insecure));
      assert.equal(otherBefore.active, true);

      await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, accessToken, insecure));

      const revoked = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, accessToken, insecure));
      assert.deepEqual({ ...revoked }, { active: false }, 'a revoked token introspects as exactly {"active":false}');
      const other = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, clientAuth, all.access_token, insecure));
      assert.equal(other.active, true, 'revocation touched only the revoked token');

      // Revoking again (already invalid) still answers 200 (RFC 7009 §2.2).
      await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, accessToken, insecure));
    });

    test('a wrong client secret is refused: 401 with a Basic challenge and invalid_client (RFC 6749 §5.2)', async () => {
      const wrong = oauth.ClientSecretBasic('not-the-secret');
      const response = await oauth.clientCredentialsGrantRequest(as, client, wrong, {}, insecure);
      let challenge: oauth.WWWAuthenticateChallengeError | undefined;
      await assert.rejects(oauth.processClientCredentialsResponse(as, client, response), (error: unknown) => {
        assert.ok(error instanceof oauth.WWWAuthenticateChallengeError, String(error));
        challenge = error;
        return true;
      });
      assert.equal(challenge!.status, 401);
      assert.equal(challenge!.cause[0]?.scheme, 'basic');
      const body = await challenge!.response.json();
      assert.equal(body.error, 'invalid_client');
    });
  });
}
