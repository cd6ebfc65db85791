/**
 * Interoperability with openid-client v6, a certified OpenID Connect relying party, as an
 * independent client: discovery, the authorization code flow with PKCE (S256), nonce and state
 * through the real login and consent forms, the code exchange (openid-client validates the ID
 * token, RFC 9207 `iss`, nonce and state; non-repudiation checks also verify the ID token's
 * signature against the advertised JWKS), UserInfo and refresh rotation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { bearer, clientCredentialsToken, json, request } from '../helpers/oauth.js';
import { FormClient, signIn } from '../helpers/forms.js';

const REDIRECT = 'https://rp.example/callback';
const SCOPE = 'openid profile email';

const olivia = { username: 'olivia', password: 'olivia-password-1', email: 'olivia@example.com', email_verified: true, given_name: 'Olivia', family_name: 'Ortega' };
/** A user with nothing but a username and password: her absent claims must be omitted, not null. */
const pat = { username: 'pat', password: 'pat-password-123' };

/** openid-client wraps its checks' errors ("invalid response encountered"); match anywhere in the cause chain. */
function failsWith(pattern: RegExp) {
  return (error: unknown) => {
    const messages: string[] = [];
    for (let current = error; current instanceof Error; current = current.cause) messages.push(current.message);
    assert.ok(messages.some((message) => pattern.test(message)), `expected ${pattern} in ${JSON.stringify(messages)}`);
    return true;
  };
}

for (const database of testDatabases()) {
  describe(`openid-client interop on ${database.name}`, () => {
    let server: TestServer;
    let config: client.Configuration;
    let registered: { client_id: string; client_secret: string };
    const ids: Record<string, string> = {};

    /** A complete authorization request as openid-client builds it, driven through the forms. */
    async function authorize(user: { username: string; password: string }, options: { scope?: string; untick?: string[]; prompt?: string } = {}) {
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: options.scope ?? SCOPE,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...(options.prompt ? { prompt: options.prompt } : {}),
      });
      assert.ok(url.href.startsWith(`${server.url}/oauth/authorize?`), url.href);
      const callback = await signIn(new FormClient(server.url), url.href, { ...user, ...(options.untick ? { untick: options.untick } : {}) });
      return { callback, codeVerifier, state, nonce };
    }

    before(async () => {
      server = await startServer(await database.create());
      const admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      for (const user of [olivia, pat]) {
        const created = await request(`${server.url}/admin/api/v1/users`, json('POST', user, bearer(admin)));
        assert.equal(created.status, 201, JSON.stringify(created.body));
        ids[user.username] = created.body.id;
      }
      const response = await request(
        `${server.url}/oauth/register`,
        json('POST', { client_name: 'openid-client RP', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: SCOPE, refresh_token_limit: null }, bearer(admin)),
      );
      assert.equal(response.status, 201, JSON.stringify(response.body));
      assert.equal(response.body.refresh_token_limit, null);
      registered = response.body;
    });
    after(async () => {
      await server?.close();
    });

    test('discovery: openid-client accepts the OpenID configuration', async () => {
      config = await client.discovery(new URL(server.url), registered.client_id, undefined, client.ClientSecretBasic(registered.client_secret), {
        execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
      });
      const metadata = config.serverMetadata();
      assert.equal(metadata.issuer, server.url);
      assert.equal(metadata.authorization_endpoint, `${server.url}/oauth/authorize`);
      assert.equal(metadata.token_endpoint, `${server.url}/oauth/token`);
      assert.equal(metadata.userinfo_endpoint, `${server.url}/oauth/userinfo`);
      assert.equal(metadata.jwks_uri, `${server.url}/oauth/jwks`);
      assert.ok(metadata.supportsPKCE('S256'), 'S256 is advertised');
      assert.equal(metadata.authorization_response_iss_parameter_supported, true);
      assert.ok(metadata.response_types_supported?.includes('code'));
      assert.ok(metadata.grant_types_supported?.includes('authorization_code'));
      assert.ok(metadata.grant_types_supported?.includes('refresh_token'));
      assert.ok(metadata.id_token_signing_alg_values_supported?.includes('ES256'));
      for (const scope of ['openid', 'profile', 'email']) assert.ok(metadata.scopes_supported?.includes(scope), `${scope} is advertised`);
    });

    test('code flow with PKCE, nonce and state: ID token, UserInfo, refresh rotation', async () => {
      const { callback, codeVerifier, state, nonce } = await authorize(olivia);
      assert.equal(callback.origin + callback.pathname, REDIRECT);
      assert.equal(callback.searchParams.get('iss'), server.url, 'RFC 9207 iss in the authorization response');

      const startedAt = Math.floor(Date.now() / 1000);
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
      assert.equal(tokens.token_type, 'bearer', 'openid-client normalises token_type');
      assert.deepEqual(tokens.scope?.split(' ').sort(), ['email', 'openid', 'profile']);
      assert.equal(typeof tokens.refresh_token, 'string');
      assert.ok(tokens.expiresIn()! > 3500 && tokens.expiresIn()! <= 3600);

      // ID token claims, as validated by openid-client.
      const claims = tokens.claims()!;
      assert.ok(claims, 'an ID token was returned');
      assert.equal(claims.iss, server.url);
      assert.equal(claims.sub, ids.olivia);
      assert.equal(claims.aud, registered.client_id);
      assert.equal(claims.nonce, nonce);
      assert.equal(typeof claims.auth_time, 'number');
      assert.ok(Math.abs(claims.auth_time! - startedAt) <= 10, 'auth_time is the sign-in just made');
      assert.ok(claims.exp > claims.iat);
      // And independently: the ID token verifies against the advertised JWKS as an ID token.
      const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth/jwks`));
      const { protectedHeader } = await jwtVerify(tokens.id_token!, jwks, { issuer: server.url, audience: registered.client_id, algorithms: ['ES256'] });
      assert.notEqual(protectedHeader.typ, 'at+jwt', 'an ID token is not typed as an access token');
      // The access token is an RFC 9068 JWT for the same user.
      const access = decodeJwt(tokens.access_token);
      assert.equal(access.sub, ids.olivia);
      assert.equal(access.client_id, registered.client_id);

      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      assert.deepEqual(
        { ...info },
        { sub: ids.olivia, preferred_username: 'olivia', given_name: 'Olivia', family_name: 'Ortega', name: 'Olivia Ortega', email: 'olivia@example.com', email_verified: true },
      );

      // refresh_token_limit null: unlimited refreshes, each rotating the refresh token.
      let current: client.TokenEndpointResponse = tokens;
      for (let i = 0; i < 3; i++) {
        const next = await client.refreshTokenGrant(config, current.refresh_token!);
        assert.deepEqual(next.scope?.split(' ').sort(), ['email', 'openid', 'profile']);
        assert.equal(typeof next.refresh_token, 'string', `refresh ${i + 1} returns a successor`);
        assert.notEqual(next.refresh_token, current.refresh_token, 'rotated');
        const refreshed = next.claims();
        assert.ok(refreshed, 'openid scope: a new ID token on refresh');
        assert.equal(refreshed.sub, claims.sub);
        assert.equal(refreshed.aud, registered.client_id);
        assert.equal(refreshed.auth_time, claims.auth_time, 'auth_time stays the time of the original sign-in');
        assert.equal(refreshed.nonce, undefined, 'no nonce on a refreshed ID token (OpenID Connect Core §12.2)');
        assert.equal((await client.fetchUserInfo(config, next.access_token, claims.sub)).email, 'olivia@example.com');
        current = next;
      }

      // Narrower scope on refresh: allowed, and UserInfo follows the new token's scope.
      const narrower = await client.refreshTokenGrant(config, current.refresh_token!, { scope: 'openid profile' });
      assert.equal(narrower.scope, 'openid profile');
      const narrowInfo = await client.fetchUserInfo(config, narrower.access_token, claims.sub);
      assert.equal(narrowInfo.email, undefined);
      assert.equal(narrowInfo.preferred_username, 'olivia');

      // The rotated-away refresh token is refused with a standard error.
      await assert.rejects(client.refreshTokenGrant(config, current.refresh_token!), (error: unknown) => {
        assert.ok(error instanceof client.ResponseBodyError, String(error));
        assert.equal(error.error, 'invalid_grant');
        assert.equal(error.status, 400);
        return true;
      });
    });

    test('RP-Initiated Logout: openid-client builds the end-session URL from discovery; the sign-in session ends and the browser returns with its state', async () => {
      const browser = new FormClient(server.url);
      const codeVerifier = client.randomPKCECodeVerifier();
      const authorizeUrl = (challenge: string) => client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: SCOPE, code_challenge: challenge, code_challenge_method: 'S256', state: 'in' }).href;
      const callback = await signIn(browser, authorizeUrl(await client.calculatePKCECodeChallenge(codeVerifier)), olivia);
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: 'in' });

      const state = client.randomState();
      const endSession = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: REDIRECT, state });
      assert.ok(endSession.href.startsWith(`${server.url}/oauth/logout?`), endSession.href);
      const back = await browser.go(endSession.href);
      assert.equal(back.url, `${REDIRECT}?state=${state}`);
      const again = await browser.go(authorizeUrl(await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier())));
      assert.match(again.body, /name="password"/, 'signed out: the next authorization asks for the password');
    });

    test('a consent with a scope unticked: the token and UserInfo follow what was granted', async () => {
      const { callback, codeVerifier, state, nonce } = await authorize(olivia, { untick: ['email'], prompt: 'consent' });
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce });
      assert.deepEqual(tokens.scope?.split(' ').sort(), ['openid', 'profile']);
      const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
      assert.equal(info.email, undefined);
      assert.equal(info.email_verified, undefined);
      assert.equal(info.given_name, 'Olivia');
    });

    test('UserInfo omits claims the user does not have (OpenID Connect Core §5.3.2: no nulls)', async () => {
      const { callback, codeVerifier, state, nonce } = await authorize(pat);
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce });
      const info = await client.fetchUserInfo(config, tokens.access_token, ids.pat!);
      assert.equal(info.sub, ids.pat);
      assert.equal(info.preferred_username, 'pat');
      for (const [name, value] of Object.entries(info)) assert.ok(value !== null && value !== '', `${name} is present with an empty value: ${JSON.stringify(info)}`);
      assert.ok(!('email' in info) && !('given_name' in info) && !('family_name' in info) && !('name' in info), JSON.stringify(info));
    });

    test('openid-client refuses a response whose state or nonce does not match, and the code is single-use', async () => {
      const first = await authorize(olivia);
      await assert.rejects(client.authorizationCodeGrant(config, first.callback, { pkceCodeVerifier: first.codeVerifier, expectedState: client.randomState(), expectedNonce: first.nonce }), failsWith(/"state"/));
      // The state check happens before the exchange, so the code is still good...
      const good = await client.authorizationCodeGrant(config, first.callback, { pkceCodeVerifier: first.codeVerifier, expectedState: first.state, expectedNonce: first.nonce });
      assert.equal(good.claims()!.nonce, first.nonce);
      // ...once.
      await assert.rejects(client.authorizationCodeGrant(config, first.callback, { pkceCodeVerifier: first.codeVerifier, expectedState: first.state, expectedNonce: first.nonce }), (error: unknown) => {
        assert.ok(error instanceof client.ResponseBodyError, String(error));
        assert.equal(error.error, 'invalid_grant');
        return true;
      });

      const second = await authorize(olivia);
      await assert.rejects(client.authorizationCodeGrant(config, second.callback, { pkceCodeVerifier: second.codeVerifier, expectedState: second.state, expectedNonce: client.randomNonce() }), failsWith(/"nonce"/));

      // A wrong PKCE verifier is refused by the server.
      const third = await authorize(olivia);
      await assert.rejects(client.authorizationCodeGrant(config, third.callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: third.state, expectedNonce: third.nonce }), (error: unknown) => {
        assert.ok(error instanceof client.ResponseBodyError, String(error));
        assert.equal(error.error, 'invalid_grant');
        return true;
      });
    });

    test('an authorization response from another issuer is refused (RFC 9207)', async () => {
      const { callback, codeVerifier, state, nonce } = await authorize(olivia);
      const forged = new URL(callback);
      forged.searchParams.set('iss', 'https://attacker.example');
      await assert.rejects(client.authorizationCodeGrant(config, forged, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce }), failsWith(/"iss"/));
    });

    test('denied consent comes back as access_denied with state and iss', async () => {
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: SCOPE, code_challenge: await client.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256', state, prompt: 'consent' });
      const callback = await signIn(new FormClient(server.url), url.href, { ...olivia, decision: 'deny' });
      await assert.rejects(client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: codeVerifier, expectedState: state }), (error: unknown) => {
        assert.ok(error instanceof client.AuthorizationResponseError, String(error));
        assert.equal(error.error, 'access_denied');
        return true;
      });
    });
  });
}
