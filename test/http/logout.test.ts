/**
 * OpenID Connect RP-Initiated Logout at /oauth/logout: the sign-in session ends, so the next
 * authorization asks for the password again; a sign-out no client can prove it asked for is
 * confirmed by the user on a CSRF-bound form; the browser goes back only to a registered address.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { FormClient, parseForm, signIn } from '../helpers/forms.js';

const REDIRECT = 'https://app.example/cb';
const BYE = 'https://app.example/signed-out';
const user = { username: 'lena', password: 'lena-password-1' };

for (const database of testDatabases()) {
  describe(`RP-initiated logout on ${database.name}`, () => {
    let server: TestServer;
    let app: { id: string; secret: string };
    let admin: string;

    before(async () => {
      server = await startServer(await database.create());
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      assert.equal((await request(`${server.url}/admin/api/v1/users`, json('POST', user, bearer(admin)))).status, 201);
      const registered = await request(`${server.url}/oauth/register`, json('POST', { client_name: 'Logout app', redirect_uris: [REDIRECT, `${REDIRECT}?x=a%20b&flag`], post_logout_redirect_uris: [BYE], grant_types: ['authorization_code'], scope: 'openid profile' }, bearer(admin)));
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      app = { id: registered.body.client_id, secret: registered.body.client_secret };
    });
    after(() => server.close());

    function authorizeUrl(verifier: string): string {
      const url = new URL(`${server.url}/oauth/authorize`);
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      for (const [name, value] of Object.entries({ response_type: 'code', client_id: app.id, redirect_uri: REDIRECT, scope: 'openid profile', state: 's', code_challenge: challenge, code_challenge_method: 'S256' })) url.searchParams.set(name, value);
      return url.toString();
    }

    /** A browser signed in to the server, and the ID token its client got. */
    async function signedIn(): Promise<{ browser: FormClient; idToken: string }> {
      const browser = new FormClient(server.url);
      const verifier = randomBytes(32).toString('base64url');
      const back = await signIn(browser, authorizeUrl(verifier), user);
      const tokens = await request(`${server.url}/oauth/token`, form({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: basic(app.id, app.secret) }));
      assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
      return { browser, idToken: tokens.body.id_token };
    }

    /** Whether the browser's sign-in session still lets an authorization through without the password. */
    async function stillSignedIn(browser: FormClient): Promise<boolean> {
      const page = await browser.go(authorizeUrl(randomBytes(32).toString('base64url')));
      return !page.body.includes('name="password"');
    }

    const logoutUrl = (params: Record<string, string>) => `${server.url}/oauth/logout?${new URLSearchParams(params)}`;

    test('discovery advertises the end_session_endpoint', async () => {
      for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
        assert.equal((await request(`${server.url}${path}`)).body.end_session_endpoint, `${server.url}/oauth/logout`, path);
      }
    });

    test('with the signed-in user’s id_token_hint: the session ends at once and the browser goes back with its state', async () => {
      const { browser, idToken } = await signedIn();
      assert.equal(await stillSignedIn(browser), true, 'control');
      const back = await browser.go(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: REDIRECT, state: 'bye' }));
      assert.equal(back.response.status, 303);
      assert.equal(back.url, `${REDIRECT}?state=bye`);
      assert.equal(await stillSignedIn(browser), false, 'the next sign-in asks for the password');
    });

    test('without a hint the user confirms on a CSRF-bound form; until then nothing ends', async () => {
      const { browser } = await signedIn();
      const page = await browser.go(logoutUrl({ client_id: app.id, post_logout_redirect_uri: REDIRECT, state: 'later' }));
      assert.equal(page.response.status, 200);
      assert.match(page.body, /Sign <strong>lena<\/strong> out/);
      assert.match(page.response.headers.get('content-security-policy') ?? '', /form-action 'self' https:\/\/app\.example/);
      assert.equal(await stillSignedIn(browser), true, 'a link alone signs nobody out');

      const confirm = parseForm(page.body, page.url, page.response.status);
      const forged = await browser.submit(confirm, { decision: 'logout', csrf: 'forged' });
      assert.equal(forged.response.status, 403);
      const stranger = new FormClient(server.url);
      assert.equal((await stranger.submit(confirm, { decision: 'logout' })).url, `${REDIRECT}?state=later`, 'another browser has no session to end: it is only sent back');
      assert.equal(await stillSignedIn(browser), true);

      const back = await browser.submit(confirm, { decision: 'logout' });
      assert.equal(back.url, `${REDIRECT}?state=later`);
      assert.equal(await stillSignedIn(browser), false);
    });

    test('an address the client did not register, or a client_id the hint was not issued to: an error page, and the session stays', async () => {
      const { browser, idToken } = await signedIn();
      const refused = [
        logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: 'https://evil.example/' }),
        logoutUrl({ client_id: app.id, post_logout_redirect_uri: 'https://evil.example/' }),
        logoutUrl({ id_token_hint: idToken, client_id: ADMIN_ID }),
      ];
      for (const url of refused) {
        const page = await browser.go(url);
        assert.equal(page.response.status, 400, url);
        assert.equal(page.response.headers.get('location'), null);
      }
      assert.equal(await stillSignedIn(browser), true);
    });

    test('a hint that cannot be verified (forged, not a JWT, its key retired) counts as none: the user confirms', async () => {
      const { browser, idToken } = await signedIn();
      for (const hint of [`${idToken.slice(0, -4)}AAAA`, 'not-a-jwt']) {
        const page = await browser.go(logoutUrl({ id_token_hint: hint, client_id: app.id, post_logout_redirect_uri: REDIRECT }));
        assert.equal(page.response.status, 200, hint);
        assert.match(page.body, /name="decision" value="logout"/);
      }
      assert.equal(await stillSignedIn(browser), true);
      // Without client_id, nothing vouches for the address: the user still signs out, and stays here.
      const unvouched = await browser.go(logoutUrl({ id_token_hint: 'not-a-jwt', post_logout_redirect_uri: REDIRECT }));
      const confirm = parseForm(unvouched.body, unvouched.url, unvouched.response.status);
      assert.equal(confirm.hidden.post_logout_redirect_uri, undefined, 'the address is not carried on');
      const done = await browser.submit(confirm, { decision: 'logout' });
      assert.match(done.body, /You are signed out/);
      assert.equal(await stillSignedIn(browser), false);
    });

    test('the state joins a registered query as it is; a deactivated client’s addresses and hints are not trusted', async () => {
      const { browser, idToken } = await signedIn();
      const withQuery = `${REDIRECT}?x=a%20b&flag`;
      const back = await browser.go(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: withQuery, state: 'q s' }));
      assert.equal(back.url, `${withQuery}&state=q+s`);

      const again = await signedIn();
      assert.equal((await request(`${server.url}/admin/api/v1/clients/${app.id}`, json('PATCH', { active: false }, bearer(admin)))).status, 200);
      try {
        assert.equal((await again.browser.go(logoutUrl({ client_id: app.id, post_logout_redirect_uri: REDIRECT }))).response.status, 400);
        const hinted = await again.browser.go(logoutUrl({ id_token_hint: again.idToken }));
        assert.match(hinted.body, /name="decision" value="logout"/, 'its ID token no longer signs anyone out unasked');
      } finally {
        assert.equal((await request(`${server.url}/admin/api/v1/clients/${app.id}`, json('PATCH', { active: true }, bearer(admin)))).status, 200);
      }
      assert.equal(await stillSignedIn(again.browser), true);
    });

    test('post_logout_redirect_uris (RP-Initiated Logout §3.1): registered, shown, validated, and returned to', async () => {
      const shown = await request(`${server.url}/admin/api/v1/clients/${app.id}`, { headers: bearer(admin) });
      assert.deepEqual(shown.body.post_logout_redirect_uris, [BYE]);
      const { browser, idToken } = await signedIn();
      const back = await browser.go(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: BYE, state: 'bye' }));
      assert.equal(back.url, `${BYE}?state=bye`);
      assert.equal(await stillSignedIn(browser), false);
      for (const uri of ['https://app.example/bye#fragment', 'not a uri']) {
        const refused = await request(`${server.url}/oauth/register`, json('POST', { client_name: 'Bad logout', redirect_uris: [REDIRECT], post_logout_redirect_uris: [uri] }, bearer(admin)));
        assert.equal(refused.status, 400, uri);
        assert.equal(refused.body.error, 'invalid_client_metadata', uri);
      }
    });

    test('a browser that is not signed in is told it is signed out, or sent back', async () => {
      const browser = new FormClient(server.url);
      const page = await browser.go(logoutUrl({}));
      assert.equal(page.response.status, 200);
      assert.match(page.body, /You are signed out/);
      assert.equal((await browser.go(logoutUrl({ client_id: app.id, post_logout_redirect_uri: REDIRECT }))).url, REDIRECT);
    });
  });
}
