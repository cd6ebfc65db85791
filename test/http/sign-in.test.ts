/**
 * The sign-in flows of issue 3 over real HTTP: authorization code + PKCE through the login and
 * consent forms, implicit, password, refresh rotation, code and refresh races, lockout, userinfo.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { FormClient, parseForm, signIn } from '../helpers/forms.js';
import { s256 } from '../../src/oauth/pkce.js';

const REDIRECT = 'https://app.example/cb';
const verifier = () => randomBytes(32).toString('base64url');

for (const database of testDatabases()) {
  describe(`sign-in flows on ${database.name}`, () => {
    let server: TestServer;
    let admin: string;
    let web: { id: string; secret: string };
    let spa: { id: string };
    const users = { alice: 'alice-password-1', bob: 'bob-password-12' };
    const adminApi = (path: string, init?: RequestInit) => request(`${server.url}/admin/api/v1${path}`, init);

    async function register(metadata: Record<string, unknown>) {
      const response = await request(`${server.url}/oauth/register`, json('POST', metadata, bearer(admin)));
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return { id: response.body.client_id as string, secret: response.body.client_secret as string };
    }

    function authorizeUrl(clientId: string, params: Record<string, string> = {}, path = '/oauth/authorize') {
      const url = new URL(`${server.url}${path}`);
      for (const [k, v] of Object.entries({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, state: 'st-1', ...params })) url.searchParams.set(k, v);
      return url.toString();
    }

    /** Code flow up to the redirect; returns the code and the verifier. */
    async function getCode(clientId: string, extra: Record<string, string> = {}, user: keyof typeof users = 'alice') {
      const v = verifier();
      const back = await signIn(new FormClient(server.url), authorizeUrl(clientId, { code_challenge: s256(v), code_challenge_method: 'S256', ...extra }), { username: user, password: users[user] });
      assert.equal(back.origin + back.pathname, REDIRECT);
      assert.equal(back.searchParams.get('state'), 'st-1');
      assert.equal(back.searchParams.get('iss'), server.url, 'RFC 9207 iss in the response');
      const code = back.searchParams.get('code');
      assert.ok(code, back.toString());
      return { code, verifier: v };
    }

    const exchange = (code: string, v: string | undefined, client = web, extra: Record<string, string> = {}) =>
      request(`${server.url}/oauth/token`, form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...(v ? { code_verifier: v } : {}), ...extra }, { authorization: basic(client.id, client.secret) }));
    const refresh = (token: string, extra: Record<string, string> = {}) =>
      request(`${server.url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: token, ...extra }, { authorization: basic(web.id, web.secret) }));
    const introspect = async (token: string) => (await request(`${server.url}/oauth/introspect`, form({ token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }))).body;

    before(async () => {
      server = await startServer(await database.create());
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      for (const scope of [
        { name: 'photos', description: 'See your photos', services: ['/photos/**'] },
        { name: 'orders', description: 'Manage your orders', services: ['/orders/**'] },
        { name: 'reports', description: 'Sales reports', services: ['/reports/**'], roles: ['sales'] },
      ]) {
        assert.equal((await adminApi('/scopes', json('POST', scope, bearer(admin)))).status, 201);
      }
      for (const [username, password] of Object.entries(users)) {
        const created = await adminApi('/users', json('POST', { username, password, email: `${username}@example.com`, email_verified: true, given_name: username.toUpperCase(), external_id: `ext-${username}`, roles: username === 'bob' ? ['sales'] : [] }, bearer(admin)));
        assert.equal(created.status, 201, JSON.stringify(created.body));
      }
      web = await register({
        client_name: 'PhotoPrint',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token', 'password'],
        scope: 'openid profile email photos orders reports user_email user_first_name user_external_id',
        refresh_token_limit: 3,
      });
      spa = await register({ client_name: 'SPA', token_endpoint_auth_method: 'none', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'implicit'], response_types: ['code', 'token'], scope: 'photos' });
    });
    after(() => server.close());

    test('RFC 7636 Appendix B vector', () => {
      assert.equal(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    });

    test('code + PKCE: login, consent with one scope unticked, exchange, ID token, userinfo', async () => {
      const v = verifier();
      const back = await signIn(new FormClient(server.url), authorizeUrl(web.id, { scope: 'openid profile photos orders', nonce: 'n-1', code_challenge: s256(v), code_challenge_method: 'S256' }), {
        username: 'alice',
        password: users.alice,
        untick: ['orders'],
      });
      const tokens = await exchange(back.searchParams.get('code')!, v);
      assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
      assert.equal(tokens.body.scope, 'openid profile photos');
      assert.match(tokens.body.refresh_token, /^ghr_/);
      const idToken = decodeJwt(tokens.body.id_token);
      assert.equal(idToken.aud, web.id);
      assert.equal(idToken.nonce, 'n-1');
      const digest = createHash('sha256').update(tokens.body.access_token).digest();
      assert.equal(idToken.at_hash, digest.subarray(0, 16).toString('base64url'));
      assert.ok(typeof idToken.auth_time === 'number');
      const info = await request(`${server.url}/oauth/userinfo`, { headers: bearer(tokens.body.access_token) });
      assert.equal(info.status, 200);
      assert.equal(info.body.sub, decodeJwt(tokens.body.access_token).sub);
      assert.equal(info.body.preferred_username, 'alice');
      assert.equal(info.body.email, undefined, 'email was not requested');
    });

    test('webMethods’ authorize and token paths (seeds 002, 003) run the same flow, query refresh included', async () => {
      for (const [authorizePath, tokenPath] of [
        ['/invoke/pub.apigateway.oauth2/authorize', '/invoke/pub.apigateway.oauth2/getAccessToken'],
        ['/integration/rest/oAuth/authorize', '/integration/rest/oAuth/getToken'],
      ]) {
        const v = verifier();
        const back = await signIn(new FormClient(server.url), authorizeUrl(web.id, { scope: 'photos', code_challenge: s256(v), code_challenge_method: 'S256' }, authorizePath), { username: 'alice', password: users.alice });
        assert.equal(back.searchParams.get('iss'), server.url);
        const tokens = await request(`${server.url}${tokenPath}`, form({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: v }, { authorization: basic(web.id, web.secret) }));
        assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
        assert.equal(tokens.body.scope, 'photos');
        if (tokenPath !== '/integration/rest/oAuth/getToken') continue;
        // Seed 003's refresh: query parameters, no body, Basic authentication, with compat.query_refresh.
        await adminApi('/settings', json('PATCH', { compat: { query_refresh: true } }, bearer(admin)));
        try {
          const refreshed = await request(`${server.url}${tokenPath}?grant_type=refresh_token&refresh_token=${encodeURIComponent(tokens.body.refresh_token)}`, {
            method: 'POST',
            headers: { authorization: basic(web.id, web.secret), 'content-type': 'application/x-www-form-urlencoded' },
          });
          assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
        } finally {
          await adminApi('/settings', json('PATCH', { compat: { query_refresh: false } }, bearer(admin)));
        }
      }
    });

    test('consent is remembered per user, client and scope set, and revocable', async () => {
      const client = new FormClient(server.url);
      const first = await signIn(client, authorizeUrl(web.id, { scope: 'photos', code_challenge: s256(verifier()), code_challenge_method: 'S256' }), { username: 'alice', password: users.alice });
      assert.ok(first.searchParams.get('code'));
      const again = await client.go(authorizeUrl(web.id, { scope: 'photos', code_challenge: s256(verifier()), code_challenge_method: 'S256' }));
      assert.equal(again.body, '', 'same scope set: straight back to the client');
      assert.ok(new URL(again.url).searchParams.get('code'));
      const wider = await client.go(authorizeUrl(web.id, { scope: 'photos orders', code_challenge: s256(verifier()), code_challenge_method: 'S256' }));
      assert.match(wider.body, /name="decision"/, 'a wider scope set asks again');
      const alice = (await adminApi('/users?limit=500', { headers: bearer(admin) })).body.items.find((u: { username: string }) => u.username === 'alice');
      assert.equal((await adminApi(`/users/${alice.id}/consents/${web.id}`, { method: 'DELETE', headers: bearer(admin) })).status, 204);
      const revoked = await client.go(authorizeUrl(web.id, { scope: 'photos', code_challenge: s256(verifier()), code_challenge_method: 'S256' }));
      assert.match(revoked.body, /name="decision"/, 'after revocation the user is asked again');
    });

    test('deny redirects with access_denied, state and iss', async () => {
      const back = await signIn(new FormClient(server.url), authorizeUrl(web.id, { code_challenge: s256(verifier()), code_challenge_method: 'S256', prompt: 'consent' }), { username: 'alice', password: users.alice, decision: 'deny' });
      assert.equal(back.searchParams.get('error'), 'access_denied');
      assert.equal(back.searchParams.get('state'), 'st-1');
      assert.equal(back.searchParams.get('iss'), server.url);
    });

    test('allow with every scope unticked is a denial: access_denied, no code', async () => {
      const url = authorizeUrl(web.id, { scope: 'photos orders', code_challenge: s256(verifier()), code_challenge_method: 'S256', prompt: 'consent' });
      const back = await signIn(new FormClient(server.url), url, { username: 'alice', password: users.alice, untick: ['photos', 'orders'] });
      assert.equal(back.searchParams.get('error'), 'access_denied');
      assert.equal(back.searchParams.get('code'), null);
      assert.equal(back.searchParams.get('state'), 'st-1');
    });

    test('a missing response_type is invalid_request; an unknown one unsupported_response_type (RFC 6749 §4.1.2.1)', async () => {
      for (const [responseType, error] of [[undefined, 'invalid_request'], ['bogus', 'unsupported_response_type']] as const) {
        const url = new URL(authorizeUrl(web.id, { code_challenge: s256(verifier()), code_challenge_method: 'S256' }));
        if (responseType === undefined) url.searchParams.delete('response_type');
        else url.searchParams.set('response_type', responseType);
        const response = await fetch(url, { redirect: 'manual' });
        assert.equal(response.status, 303, String(responseType));
        assert.equal(new URL(response.headers.get('location')!).searchParams.get('error'), error);
      }
    });

    /** The error an authorization request is sent back with, from the query or the fragment. */
    async function redirectedError(url: string, where: 'query' | 'fragment' = 'query') {
      const response = await fetch(url, { redirect: 'manual' });
      assert.equal(response.status, 303, url);
      const location = new URL(response.headers.get('location')!);
      const params = where === 'query' ? location.searchParams : new URLSearchParams(location.hash.slice(1));
      assert.equal(params.get('state'), 'st-1');
      return params.get('error');
    }
    const pkce = () => ({ code_challenge: s256(verifier()), code_challenge_method: 'S256' });

    test('response_mode (OAuth 2.0 Multiple Response Types §2.1): code in the fragment when asked; a token never in a query; other modes refused', async () => {
      const client = new FormClient(server.url);
      await signIn(client, authorizeUrl(web.id, { scope: 'photos', ...pkce() }), { username: 'alice', password: users.alice });
      const fragment = await client.go(authorizeUrl(web.id, { scope: 'photos', response_mode: 'fragment', ...pkce() }));
      const back = new URL(fragment.url);
      assert.equal(back.search, '', 'nothing in the query');
      const answer = new URLSearchParams(back.hash.slice(1));
      assert.ok(answer.get('code'));
      assert.equal(answer.get('iss'), server.url);
      const query = new URL((await client.go(authorizeUrl(web.id, { scope: 'photos', response_mode: 'query', ...pkce() }))).url);
      assert.ok(query.searchParams.get('code'));
      for (const mode of ['form_post', 'nonsense']) assert.equal(await redirectedError(authorizeUrl(web.id, { response_mode: mode, ...pkce() })), 'invalid_request', mode);
      assert.equal(await redirectedError(authorizeUrl(spa.id, { response_type: 'token', response_mode: 'query' }), 'fragment'), 'invalid_request');
    });

    test('a repeated parameter is sent back as invalid_request once client and redirect URI are known; a repeated client_id or redirect_uri is a page (RFC 6749 §4.1.2.1)', async () => {
      const repeated = new URL(authorizeUrl(web.id, { scope: 'photos', ...pkce() }));
      repeated.searchParams.append('scope', 'orders');
      assert.equal(await redirectedError(repeated.toString()), 'invalid_request');
      for (const name of ['client_id', 'redirect_uri']) {
        const url = new URL(authorizeUrl(web.id, pkce()));
        url.searchParams.append(name, url.searchParams.get(name)!);
        const response = await fetch(url, { redirect: 'manual' });
        assert.equal(response.status, 400, name);
        assert.equal(response.headers.get('location'), null);
      }
    });

    test('OpenID Connect prompt is a space-separated list: login consent asks for both; none with another value is refused', async () => {
      const client = new FormClient(server.url);
      await signIn(client, authorizeUrl(web.id, { scope: 'photos', ...pkce() }), { username: 'alice', password: users.alice });
      const both = await client.go(authorizeUrl(web.id, { scope: 'photos', prompt: 'login consent', ...pkce() }));
      assert.match(both.body, /name="password"/, 'signed in, yet asked to sign in again');
      const consent = await client.submit(parseForm(both.body, both.url, 200), { username: 'alice', password: users.alice });
      assert.match(consent.body, /name="decision"/, 'consent given before, yet asked again');
      assert.equal(await redirectedError(authorizeUrl(web.id, { prompt: 'none login', ...pkce() })), 'invalid_request');
      assert.equal(await redirectedError(authorizeUrl(web.id, { prompt: 'login bogus', ...pkce() })), 'invalid_request');
    });

    test('OpenID Connect max_age: an older sign-in is asked for again, a recent one is not; a malformed max_age is refused', async () => {
      const client = new FormClient(server.url);
      await signIn(client, authorizeUrl(web.id, { scope: 'photos', ...pkce() }), { username: 'alice', password: users.alice });
      const recent = await client.go(authorizeUrl(web.id, { scope: 'photos', max_age: '3600', ...pkce() }));
      assert.ok(new URL(recent.url).searchParams.get('code'), 'a sign-in within max_age goes straight back');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const stale = await client.go(authorizeUrl(web.id, { scope: 'photos', max_age: '0', ...pkce() }));
      assert.match(stale.body, /name="password"/, 'a sign-in older than max_age is repeated');
      const none = await client.go(authorizeUrl(web.id, { scope: 'photos', max_age: '0', prompt: 'none', ...pkce() }));
      assert.equal(new URL(none.url).searchParams.get('error'), 'login_required');
      assert.equal(await redirectedError(authorizeUrl(web.id, { max_age: 'soon', ...pkce() })), 'invalid_request');
    });

    test('request objects are refused with OpenID Connect’s own codes, and discovery says they are not supported', async () => {
      assert.equal(await redirectedError(authorizeUrl(web.id, { request: 'eyJhbGciOiJub25lIn0.e30.', ...pkce() })), 'request_not_supported');
      assert.equal(await redirectedError(authorizeUrl(web.id, { request_uri: 'https://app.example/request.jwt', ...pkce() })), 'request_uri_not_supported');
      const metadata = (await request(`${server.url}/.well-known/openid-configuration`)).body;
      assert.equal(metadata.request_parameter_supported, false);
      assert.equal(metadata.request_uri_parameter_supported, false);
      assert.deepEqual(metadata.response_modes_supported, ['query', 'fragment']);
    });

    test('the registered redirect URI keeps its own query as written (RFC 6749 §3.1.2)', async () => {
      const registered = 'https://app.example/cb?flag&v=a~b&s=x%20y';
      const client = await register({ client_name: 'QueryCallback', redirect_uris: [registered], grant_types: ['authorization_code'], scope: 'photos' });
      const response = await fetch(authorizeUrl(client.id, { redirect_uri: registered, response_type: 'bogus' }), { redirect: 'manual' });
      const location = response.headers.get('location')!;
      assert.ok(location.startsWith(`${registered}&`), location);
      assert.equal(new URL(location).searchParams.get('error'), 'unsupported_response_type');
    });

    test('the login and consent pages carry clickjacking and CSP headers and a CSRF token', async () => {
      const page = await new FormClient(server.url).go(authorizeUrl(web.id, { code_challenge: s256(verifier()), code_challenge_method: 'S256' }));
      assert.equal(page.response.headers.get('x-frame-options'), 'DENY');
      assert.match(page.response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(page.response.headers.get('referrer-policy'), 'no-referrer');
      assert.ok(parseForm(page.body, page.url, 200).hidden.csrf);
      const login = parseForm(page.body, page.url, 200);
      const forged = await fetch(login.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: 'alice', password: users.alice }).toString(), redirect: 'manual' });
      assert.equal(forged.status, 403, 'a post without the CSRF token and cookie is refused');
    });

    test('bad client or redirect URI: an error page, never a redirect', async () => {
      for (const url of [
        authorizeUrl('unknown-client'),
        authorizeUrl(web.id, { redirect_uri: 'https://evil.example/cb' }),
        authorizeUrl(web.id, { redirect_uri: `${REDIRECT}/extra` }),
        authorizeUrl(web.id, { redirect_uri: 'https://APP.example/cb' }),
      ]) {
        const response = await fetch(url, { redirect: 'manual' });
        assert.equal(response.status, 400, url);
        assert.equal(response.headers.get('location'), null);
        assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      }
    });

    test('PKCE: plain refused, public clients must use it, S256 required by default', async () => {
      const plain = await fetch(authorizeUrl(web.id, { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }), { redirect: 'manual' });
      assert.equal(plain.status, 303);
      assert.equal(new URL(plain.headers.get('location')!).searchParams.get('error'), 'invalid_request');
      const none = await fetch(authorizeUrl(spa.id), { redirect: 'manual' });
      assert.equal(new URL(none.headers.get('location')!).searchParams.get('error'), 'invalid_request');
      const confidentialWithout = await fetch(authorizeUrl(web.id), { redirect: 'manual' });
      assert.equal(new URL(confidentialWithout.headers.get('location')!).searchParams.get('error'), 'invalid_request', 'tenant require_pkce defaults to true');
    });

    test('PKCE: wrong verifier and the downgrade (verifier for a code without challenge) are refused', async () => {
      const { code } = await getCode(web.id);
      const wrong = await exchange(code, verifier());
      assert.equal(wrong.body.error, 'invalid_grant');
      await adminApi(`/clients/${web.id}`, json('PATCH', { require_pkce: false }, bearer(admin)));
      try {
        const back = await signIn(new FormClient(server.url), authorizeUrl(web.id), { username: 'alice', password: users.alice });
        const downgrade = await exchange(back.searchParams.get('code')!, verifier());
        assert.equal(downgrade.status, 400);
        assert.equal(downgrade.body.error, 'invalid_grant');
      } finally {
        await adminApi(`/clients/${web.id}`, json('PATCH', { require_pkce: null }, bearer(admin)));
      }
    });

    test('a replayed code fails and revokes every token issued from it', async () => {
      const { code, verifier: v } = await getCode(web.id);
      const first = await exchange(code, v);
      assert.equal(first.status, 200);
      assert.equal((await introspect(first.body.access_token)).active, true);
      const replay = await exchange(code, v);
      assert.equal(replay.body.error, 'invalid_grant');
      assert.deepEqual(await introspect(first.body.access_token), { active: false });
      assert.equal((await refresh(first.body.refresh_token)).body.error, 'invalid_grant');
    });

    test('20 simultaneous exchanges of one code: exactly one success', async () => {
      const { code, verifier: v } = await getCode(web.id);
      const results = await Promise.all(Array.from({ length: 20 }, () => exchange(code, v)));
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      assert.ok(results.filter((r) => r.status !== 200).every((r) => r.body.error === 'invalid_grant'));
    });

    test('a code is bound to its client and redirect URI', async () => {
      const other = await register({ client_name: 'Other', redirect_uris: [REDIRECT], grant_types: ['authorization_code'], scope: 'photos' });
      const { code, verifier: v } = await getCode(web.id);
      assert.equal((await exchange(code, v, other)).body.error, 'invalid_grant');
      const wrongRedirect = await request(`${server.url}/oauth/token`, form({ grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/other', code_verifier: v }, { authorization: basic(web.id, web.secret) }));
      assert.equal(wrongRedirect.body.error, 'invalid_grant');
    });

    test('a scope in the code exchange (seed 002) narrows the access token, never widens it; the refresh token keeps the grant', async () => {
      const codeFor = async () => getCode(web.id, { scope: 'photos orders' });
      const narrowed = await codeFor();
      const narrow = await exchange(narrowed.code, narrowed.verifier, web, { scope: 'photos' });
      assert.equal(narrow.status, 200, JSON.stringify(narrow.body));
      assert.equal(narrow.body.scope, 'photos');
      assert.equal((await introspect(narrow.body.access_token)).scope, 'photos');
      assert.equal((await introspect(narrow.body.refresh_token)).scope, 'photos orders');
      const repeated = await codeFor();
      const wider = await exchange(repeated.code, repeated.verifier, web, { scope: 'photos orders openid' });
      assert.equal(wider.status, 200, 'a scope the user did not grant is left out, as a client repeating its request after consent needs');
      assert.equal(wider.body.scope, 'photos orders');
      assert.equal(wider.body.id_token, undefined);
      for (const scope of ['openid', 'photos  orders']) {
        const refused = await codeFor();
        const answer = await exchange(refused.code, refused.verifier, web, { scope });
        assert.equal(answer.status, 400, scope);
        assert.equal(answer.body.error, 'invalid_scope', scope);
        assert.equal((await exchange(refused.code, refused.verifier)).status, 200, 'a refused scope does not spend the code');
      }
    });

    test('refresh: rotation, narrower scope allowed, wider refused', async () => {
      const { code, verifier: v } = await getCode(web.id, { scope: 'photos orders' });
      const tokens = (await exchange(code, v)).body;
      const wider = await refresh(tokens.refresh_token, { scope: 'photos orders openid' });
      assert.equal(wider.body.error, 'invalid_scope');
      const narrower = await refresh(tokens.refresh_token, { scope: 'photos' });
      assert.equal(narrower.status, 200, JSON.stringify(narrower.body));
      assert.equal(narrower.body.scope, 'photos');
      assert.notEqual(narrower.body.refresh_token, tokens.refresh_token, 'rotated');
      // RFC 6749 §6: the successor keeps the scope of the refresh token presented, so the grant can widen back.
      assert.equal((await introspect(narrower.body.refresh_token)).scope, 'photos orders');
      const back = await refresh(narrower.body.refresh_token, { scope: 'photos orders' });
      assert.equal(back.status, 200, JSON.stringify(back.body));
      assert.equal(back.body.scope, 'photos orders');
      const whole = await refresh(back.body.refresh_token);
      assert.equal(whole.body.scope, 'photos orders', 'an omitted scope is the grant’s whole scope');
    });

    test('refresh reuse revokes the whole family', async () => {
      const { code, verifier: v } = await getCode(web.id);
      const tokens = (await exchange(code, v)).body;
      const next = (await refresh(tokens.refresh_token)).body;
      assert.ok(next.access_token);
      const reuse = await refresh(tokens.refresh_token);
      assert.equal(reuse.body.error, 'invalid_grant');
      assert.deepEqual(await introspect(next.access_token), { active: false });
      assert.equal((await refresh(next.refresh_token)).body.error, 'invalid_grant');
    });

    test('RFC 7662: a refresh token introspects active until it is rotated; its successor until the family is revoked', async () => {
      const { code, verifier: v } = await getCode(web.id, { scope: 'photos orders' });
      const tokens = (await exchange(code, v)).body;
      const live = await introspect(tokens.refresh_token);
      assert.equal(live.active, true);
      assert.equal(live.token_type, 'refresh_token');
      assert.equal(live.client_id, web.id);
      assert.equal(live.scope, 'photos orders');
      assert.equal(live.iss, server.url);
      assert.equal(typeof live.sub, 'string');
      const next = (await refresh(tokens.refresh_token)).body;
      assert.deepEqual(await introspect(tokens.refresh_token), { active: false }, 'rotated');
      assert.equal((await introspect(next.refresh_token)).active, true);
      await refresh(tokens.refresh_token); // reuse revokes the family
      assert.deepEqual(await introspect(next.refresh_token), { active: false });
      assert.deepEqual(await introspect(`${next.refresh_token}x`), { active: false }, 'unknown');
    });

    test('a refresh token issued before its client was deactivated stays refused after reactivation', async () => {
      const { code, verifier: v } = await getCode(web.id);
      const tokens = (await exchange(code, v)).body;
      await adminApi(`/clients/${web.id}`, json('PATCH', { active: false }, bearer(admin)));
      assert.deepEqual(await introspect(tokens.refresh_token), { active: false });
      await new Promise((resolve) => setTimeout(resolve, 1100)); // a new second: tokens issued after reactivation live
      await adminApi(`/clients/${web.id}`, json('PATCH', { active: true }, bearer(admin)));
      assert.deepEqual(await introspect(tokens.refresh_token), { active: false });
      assert.equal((await refresh(tokens.refresh_token)).body.error, 'invalid_grant');
      const { code: fresh, verifier: v2 } = await getCode(web.id);
      assert.equal((await refresh((await exchange(fresh, v2)).body.refresh_token)).status, 200, 'tokens issued after reactivation work');
    });

    test('RFC 7009: revoking a refresh token ends its grant; another client’s revocation changes nothing', async () => {
      const { code, verifier: v } = await getCode(web.id);
      const tokens = (await exchange(code, v)).body;
      const other = await register({ client_name: 'Bystander', grant_types: ['client_credentials'], response_types: [], scope: 'photos' });
      const bystander = await request(`${server.url}/oauth/revoke`, form({ token: tokens.refresh_token, token_type_hint: 'refresh_token' }, { authorization: basic(other.id, other.secret) }));
      assert.equal(bystander.status, 200);
      assert.equal((await introspect(tokens.access_token)).active, true);
      const own = await request(`${server.url}/oauth/revoke`, form({ token: tokens.refresh_token }, { authorization: basic(web.id, web.secret) }));
      assert.equal(own.status, 200);
      assert.equal((await refresh(tokens.refresh_token)).body.error, 'invalid_grant');
      assert.deepEqual(await introspect(tokens.access_token), { active: false });
    });

    test('the refresh count runs out (refresh_token_limit 3) and token management shows what is left', async () => {
      const { code, verifier: v } = await getCode(web.id);
      let tokens = (await exchange(code, v)).body;
      const listed = await adminApi(`/tokens/${decodeJwt(tokens.access_token).jti}`, { headers: bearer(admin) });
      assert.equal(listed.body.refresh_count_left, 3);
      for (let i = 0; i < 3; i++) {
        const next = await refresh(tokens.refresh_token);
        assert.equal(next.status, 200, `refresh ${i + 1}`);
        tokens = next.body;
      }
      assert.equal(tokens.refresh_token, undefined, 'no refresh token once the count is spent');
      const spent = await adminApi(`/tokens?client_id=${web.id}&limit=500`, { headers: bearer(admin) });
      assert.equal(spent.body.items.find((item: { id: string }) => item.id === decodeJwt(tokens.access_token).jti).refresh_count_left, 0);
    });

    test('token management lists a grant with unlimited refreshes as null ("Unlimited"), not as 0', async () => {
      await adminApi(`/clients/${web.id}`, json('PATCH', { refresh_token_limit: null }, bearer(admin)));
      try {
        const { code, verifier: v } = await getCode(web.id);
        const jti = decodeJwt((await exchange(code, v)).body.access_token).jti;
        assert.equal((await adminApi(`/tokens/${jti}`, { headers: bearer(admin) })).body.refresh_count_left, null);
        const listed = await adminApi(`/tokens?client_id=${web.id}&limit=500`, { headers: bearer(admin) });
        assert.equal(listed.body.items.find((item: { id: string }) => item.id === jti).refresh_count_left, null);
      } finally {
        await adminApi(`/clients/${web.id}`, json('PATCH', { refresh_token_limit: 3 }, bearer(admin)));
      }
    });

    test('20 simultaneous refreshes of one token: exactly one success', async () => {
      const { code, verifier: v } = await getCode(web.id);
      const tokens = (await exchange(code, v)).body;
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(tokens.refresh_token)));
      assert.equal(results.filter((r) => r.status === 200).length, 1);
    });

    test('implicit: the token in the fragment, never a refresh token; only for clients allowed it', async () => {
      const back = await signIn(new FormClient(server.url), authorizeUrl(spa.id, { response_type: 'token' }), { username: 'alice', password: users.alice });
      assert.equal(back.search, '');
      const fragment = new URLSearchParams(back.hash.slice(1));
      assert.ok(fragment.get('access_token'));
      assert.equal(fragment.get('token_type'), 'Bearer');
      assert.equal(fragment.get('refresh_token'), null);
      assert.equal(fragment.get('state'), 'st-1');
      const refused = await fetch(authorizeUrl(web.id, { response_type: 'token' }), { redirect: 'manual' });
      assert.equal(new URLSearchParams(new URL(refused.headers.get('location')!).hash.slice(1)).get('error'), 'unauthorized_client');
    });

    test('password grant: tokens for confidential clients that list it; GAM alias', async () => {
      const ok = await request(`${server.url}/oauth/access_token`, form({ grant_type: 'password', username: 'alice', password: users.alice, scope: 'photos' }, { authorization: basic(web.id, web.secret) }));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.scope, 'photos');
      assert.ok(ok.body.refresh_token);
      const spaTry = await request(`${server.url}/oauth/token`, form({ grant_type: 'password', username: 'alice', password: users.alice, client_id: spa.id }));
      assert.equal(spaTry.body.error, 'unauthorized_client');
    });

    test('scopes with roles go only to users holding one; admin needs the admin role', async () => {
      const asAlice = await request(`${server.url}/oauth/token`, form({ grant_type: 'password', username: 'alice', password: users.alice, scope: 'photos reports' }, { authorization: basic(web.id, web.secret) }));
      assert.equal(asAlice.body.scope, 'photos');
      const asBob = await request(`${server.url}/oauth/token`, form({ grant_type: 'password', username: 'bob', password: users.bob, scope: 'photos reports' }, { authorization: basic(web.id, web.secret) }));
      assert.equal(asBob.body.scope, 'photos reports');
      // Nothing left of what was asked for: refused, never a token for nothing.
      const onlyReports = await request(`${server.url}/oauth/token`, form({ grant_type: 'password', username: 'alice', password: users.alice, scope: 'reports' }, { authorization: basic(web.id, web.secret) }));
      assert.equal(onlyReports.status, 400, JSON.stringify(onlyReports.body));
      assert.equal(onlyReports.body.error, 'invalid_scope');
      const browser = await signIn(new FormClient(server.url), authorizeUrl(web.id, { scope: 'reports', ...pkce() }), { username: 'alice', password: users.alice });
      assert.equal(browser.searchParams.get('error'), 'access_denied');
      assert.equal(browser.searchParams.get('code'), null);
    });

    test('GAM userinfo claims by scope', async () => {
      const tokens = await request(`${server.url}/oauth/token`, form({ grant_type: 'password', username: 'alice', password: users.alice, scope: 'user_email user_first_name user_external_id' }, { authorization: basic(web.id, web.secret) }));
      const info = await request(`${server.url}/oauth/gam/v2.0/userinfo`, { headers: bearer(tokens.body.access_token) });
      assert.equal(info.status, 200);
      assert.equal(info.body.email, 'alice@example.com');
      assert.equal(info.body.verified_email, true);
      assert.equal(info.body.first_name, 'ALICE');
      assert.equal(info.body.external_id, 'ext-alice');
    });

    test('a password change revokes the user’s tokens', async () => {
      const user = (await adminApi('/users', json('POST', { username: 'carol', password: 'carol-password-1' }, bearer(admin)))).body;
      const tokens = await request(`${server.url}/oauth/token`, form({ grant_type: 'password', username: 'carol', password: 'carol-password-1', scope: 'photos' }, { authorization: basic(web.id, web.secret) }));
      assert.equal((await introspect(tokens.body.access_token)).active, true);
      await adminApi(`/users/${user.id}`, json('PATCH', { password: 'carol-password-2' }, bearer(admin)));
      assert.deepEqual(await introspect(tokens.body.access_token), { active: false });
      assert.equal((await refresh(tokens.body.refresh_token)).body.error, 'invalid_grant');
    });

    test('lockout: identical answers for unknown user, wrong password and locked account', async () => {
      const patched = await adminApi('/settings', json('PATCH', { lockout: { max_failures: 3, wait_increment_s: 60 } }, bearer(admin)));
      assert.equal(patched.status, 200);
      try {
        await adminApi('/users', json('POST', { username: 'dave', password: 'dave-password-1' }, bearer(admin)));
        const attempt = (username: string, password: string) =>
          request(`${server.url}/oauth/token`, form({ grant_type: 'password', username, password, scope: 'photos' }, { authorization: basic(web.id, web.secret) }));
        const unknown = await attempt('nobody-here', 'whatever-1');
        const wrong = await attempt('dave', 'wrong-password');
        assert.equal(unknown.status, wrong.status);
        assert.deepEqual(unknown.body, wrong.body);
        await attempt('dave', 'wrong-password');
        await attempt('dave', 'wrong-password');
        const locked = await attempt('dave', 'dave-password-1');
        assert.equal(locked.status, wrong.status, 'the right password is refused while locked');
        assert.deepEqual(locked.body, wrong.body);

        // The login page: same status and message; only the CSRF token may differ.
        const client = new FormClient(server.url);
        const page = await client.go(authorizeUrl(web.id, { code_challenge: s256(verifier()), code_challenge_method: 'S256', prompt: 'login' }));
        const loginForm = parseForm(page.body, page.url, 200);
        const bodies = [];
        for (const [username, password] of [['nobody-here', 'x-password'], ['dave', 'wrong-password'], ['dave', 'dave-password-1']]) {
          const answer = await client.submit(loginForm, { username: username!, password: password! });
          bodies.push({ status: answer.response.status, html: answer.body.replace(/name="csrf" value="[^"]*"/, '').replace(/value="[^"]*" autofocus/, '') });
        }
        assert.equal(new Set(bodies.map((b) => b.status)).size, 1, JSON.stringify(bodies.map((b) => b.status)));
        assert.equal(new Set(bodies.map((b) => b.html)).size, 1);
      } finally {
        await adminApi('/settings', json('PATCH', { lockout: { max_failures: 30 } }, bearer(admin)));
      }
    });

    test('compat.oauth_scheme: `Authorization: OAuth` only when enabled', async () => {
      const tokens = await request(`${server.url}/oauth/token`, form({ grant_type: 'password', username: 'alice', password: users.alice, scope: 'openid' }, { authorization: basic(web.id, web.secret) }));
      const off = await request(`${server.url}/oauth/userinfo`, { headers: { authorization: `OAuth ${tokens.body.access_token}` } });
      // RFC 6750 §3.1: a scheme the tenant does not accept is a request without a token.
      assert.equal(off.status, 401);
      assert.doesNotMatch(off.headers.get('www-authenticate') ?? '', /error=/);
      await adminApi('/settings', json('PATCH', { compat: { oauth_scheme: true } }, bearer(admin)));
      try {
        const on = await request(`${server.url}/oauth/userinfo`, { headers: { authorization: `OAuth ${tokens.body.access_token}` } });
        assert.equal(on.status, 200);
      } finally {
        await adminApi('/settings', json('PATCH', { compat: { oauth_scheme: false } }, bearer(admin)));
      }
    });

    test('compat.json_token_body and compat.query_refresh: refused when off, accepted when on', async () => {
      const jsonBody = () => request(`${server.url}/oauth/token`, json('POST', { grant_type: 'password', username: 'alice', password: users.alice, scope: 'photos' }, { authorization: basic(web.id, web.secret) }));
      assert.equal((await jsonBody()).status, 400);
      const tokens = (await request(`${server.url}/oauth/token`, form({ grant_type: 'password', username: 'alice', password: users.alice, scope: 'photos' }, { authorization: basic(web.id, web.secret) }))).body;
      const queryRefresh = (token: string) =>
        request(`${server.url}/oauth/token?grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`, { method: 'POST', headers: { authorization: basic(web.id, web.secret), 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal((await queryRefresh(tokens.refresh_token)).body.error, 'invalid_request');
      await adminApi('/settings', json('PATCH', { compat: { json_token_body: true, query_refresh: true } }, bearer(admin)));
      try {
        assert.equal((await jsonBody()).status, 200);
        const refreshed = await queryRefresh(tokens.refresh_token);
        assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      } finally {
        await adminApi('/settings', json('PATCH', { compat: { json_token_body: false, query_refresh: false } }, bearer(admin)));
      }
    });
  });
}
