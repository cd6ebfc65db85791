/**
 * Rotating GATEHOUSE_SECRET_KEY signs nobody out (INTERFACE.md "server secret"): the app is
 * restarted on one database with a new current version while the old one is still listed, and
 * what was stored under the old version keeps working — a browser's sign-in session (moved to the
 * new version on use), an authorization code not yet redeemed, a refresh token, a client secret
 * and the secret it replaced during a rotation overlap, an API key and a registration access
 * token (each rehashed on use). Once the old
 * version is dropped, what was never used in between is refused the ordinary way: the login
 * page, `invalid_grant`; never a 500.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, freePort, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { FormClient, signIn } from '../helpers/forms.js';
import { randomToken } from '../../src/crypto/random.js';
import { s256 } from '../../src/oauth/pkce.js';

const REDIRECT = 'https://app.example/cb';
const USER = { username: 'rotation-user', password: 'rotation-password-1' };
const SESSION_COOKIE = 'gh_session_default';

interface PendingCode {
  code: string;
  verifier: string;
}

for (const database of testDatabases()) {
  describe(`server-secret rotation on ${database.name}`, () => {
    const v1 = `v1:${randomToken(256)}`;
    const v2 = `v2:${randomToken(256)}`;
    let databaseUrl: string;
    let port: number;
    let server: TestServer;
    let web: { id: string; secret: string };
    /** Signed in under v1 and used while both versions are listed. */
    let kept: FormClient;
    /** Signed in under v1 and not used again until v1 is gone. */
    let idle: FormClient;
    /** Issued under v1, not redeemed before the restarts (codes live 60 s; the restarts take a few). */
    let keptCode: PendingCode;
    let idleCode: PendingCode;
    let refreshToken: string;
    /** A client_credentials client whose secret was rotated under v1 with an overlap: both secrets work. */
    let machine: { id: string; secret: string; previousSecret: string };
    let registrationToken: string;
    /** A user's API key for `keyApp`, made under v1. */
    let apiKey: string;
    let apiKeyId: string;
    let keyApp: { id: string; secret: string };

    /** The same address every time, so the browsers' cookies and the redirect's `iss` stay valid. */
    async function start(secretKey: string): Promise<void> {
      server = await startServer(databaseUrl, { GATEHOUSE_SECRET_KEY: secretKey, PORT: String(port) });
    }

    async function restart(secretKey: string): Promise<void> {
      await server.close();
      // One turn of the event loop, so fetch sees the old server's keep-alive connections closed
      // and does not send the next request down one of them to the new server's port.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await start(secretKey);
    }

    function authorizeUrl(verifier: string, params: Record<string, string> = {}): string {
      const url = new URL(`${server.url}/oauth/authorize`);
      const query = { response_type: 'code', client_id: web.id, redirect_uri: REDIRECT, state: 'st', code_challenge: s256(verifier), code_challenge_method: 'S256', ...params };
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      return url.toString();
    }

    /** The whole flow, the login form included when the browser has no session. */
    async function signInFor(browser: FormClient): Promise<PendingCode> {
      const verifier = randomBytes(32).toString('base64url');
      const back = await signIn(browser, authorizeUrl(verifier), USER);
      const code = back.searchParams.get('code');
      assert.ok(code, back.toString());
      return { code, verifier };
    }

    /** prompt=none: a code only if the browser's session is still good, with no page shown. */
    async function silentCode(browser: FormClient): Promise<PendingCode> {
      const verifier = randomBytes(32).toString('base64url');
      const { url, body, response } = await browser.go(authorizeUrl(verifier, { prompt: 'none' }));
      assert.equal(body, '', `no page is shown (${response.status}): ${body.slice(0, 300)}`);
      const back = new URL(url);
      assert.equal(back.origin + back.pathname, REDIRECT);
      const code = back.searchParams.get('code');
      assert.ok(code, `the session was recognised: ${back}`);
      return { code, verifier };
    }

    const exchange = ({ code, verifier }: PendingCode) =>
      request(`${server.url}/oauth/token`, form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: basic(web.id, web.secret) }));

    const clientCredentials = (id: string, secret: string) => request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(id, secret) }));

    const apiKeyExchange = () => request(`${server.url}/oauth/token`, form({ grant_type: 'password', authentication_type_name: 'apikey', api_key: apiKey }, { authorization: basic(keyApp.id, keyApp.secret) }));

    const readRegistration = () => request(`${server.url}/oauth/register/${web.id}`, { headers: bearer(registrationToken) });

    /** Polls until `check` holds (rehashes that follow an answer run in the background), up to 5 s. */
    async function eventually(check: () => Promise<boolean>): Promise<boolean> {
      for (const deadline = Date.now() + 5000; !(await check()) && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
      return check();
    }

    /** The stored key of a browser's session cookie under the running server's current version, if a live session has it. */
    async function storedSessionKey(browser: FormClient): Promise<string | undefined> {
      const cookie = browser.jar
        .header()
        .split('; ')
        .find((pair) => pair.startsWith(`${SESSION_COOKIE}=`))
        ?.slice(SESSION_COOKIE.length + 1);
      assert.ok(cookie, 'the browser holds a session cookie');
      const key = server.gh.secret.lookupKeys(cookie)[0]!;
      return (await server.gh.store.sessions.get([key], Math.floor(Date.now() / 1000)))?.id;
    }

    before(async () => {
      databaseUrl = await database.create();
      port = await freePort();
      await start(v1);
      const admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const user = await request(`${server.url}/admin/api/v1/users`, json('POST', { ...USER, email: 'rotation@example.com' }, bearer(admin)));
      assert.equal(user.status, 201, JSON.stringify(user.body));
      const client = await request(
        `${server.url}/oauth/register`,
        json('POST', { client_name: 'Rotation', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], scope: 'profile', refresh_token_limit: 5 }, bearer(admin)),
      );
      assert.equal(client.status, 201, JSON.stringify(client.body));
      web = { id: client.body.client_id, secret: client.body.client_secret };
      registrationToken = client.body.registration_access_token;
      const app = await request(`${server.url}/admin/api/v1/clients`, json('POST', { client_name: 'Key app', grant_types: ['client_credentials'], scope: 'profile', api_key_enabled: true }, bearer(admin)));
      assert.equal(app.status, 201, JSON.stringify(app.body));
      keyApp = { id: app.body.client_id, secret: app.body.client_secret };
      const key = await request(`${server.url}/admin/api/v1/users/${user.body.id}/api-keys`, json('POST', { client_id: keyApp.id, scope: 'profile' }, bearer(admin)));
      assert.equal(key.status, 201, JSON.stringify(key.body));
      apiKey = key.body.api_key;
      apiKeyId = key.body.id;
      const created = await request(`${server.url}/admin/api/v1/clients`, json('POST', { client_name: 'Machine', grant_types: ['client_credentials'] }, bearer(admin)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const rotated = await request(`${server.url}/admin/api/v1/clients/${created.body.client_id}/secret`, json('POST', { previous_secret_valid_for_s: 3600 }, bearer(admin)));
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      machine = { id: created.body.client_id, secret: rotated.body.client_secret, previousSecret: created.body.client_secret };

      kept = new FormClient(server.url);
      idle = new FormClient(server.url);
      const exchanged = await exchange(await signInFor(kept));
      assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
      refreshToken = exchanged.body.refresh_token;
      keptCode = await silentCode(kept);
      idleCode = await signInFor(idle);
      assert.match((await storedSessionKey(kept))!, /^v1\$/);
    });
    after(() => server?.close());

    test('v2 current, v1 still listed: a v1 session skips the login and moves to v2; a v1 code, refresh token and overlapping client secrets still work', async () => {
      await restart(`${v2},${v1}`);

      const redeemed = await exchange(keptCode);
      assert.equal(redeemed.status, 200, `the code issued under v1 exchanges: ${JSON.stringify(redeemed.body)}`);
      const refreshed = await request(`${server.url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic(web.id, web.secret) }));
      assert.equal(refreshed.status, 200, `the refresh token issued under v1 refreshes: ${JSON.stringify(refreshed.body)}`);

      const silent = await exchange(await silentCode(kept));
      assert.equal(silent.status, 200, JSON.stringify(silent.body));
      assert.match((await storedSessionKey(kept))!, /^v2\$/, 'the session is stored under v2 after its first use');

      for (const secret of [machine.secret, machine.previousSecret]) assert.equal((await clientCredentials(machine.id, secret)).status, 200, 'both secrets of the overlap');
      // Rehashing follows the successful authentication in the background.
      const rehashed = async () => {
        const stored = await server.gh.store.clients.get('default', machine.id);
        return Boolean(stored?.secretHash?.startsWith('v2$') && stored.previousSecret?.hash.startsWith('v2$'));
      };
      assert.ok(await eventually(rehashed), 'the secret and the one it replaced are stored under v2 after their use');

      const exchanged = await apiKeyExchange();
      assert.equal(exchanged.status, 200, `the API key made under v1 is exchanged: ${JSON.stringify(exchanged.body)}`);
      const storedKey = await server.gh.store.apiKeys.get('default', apiKeyId);
      assert.match(storedKey!.key_hash, /^v2\$/, 'the API key is stored under v2 once used');

      assert.equal((await readRegistration()).status, 200, 'the registration access token issued under v1 reads its client');
      assert.ok(
        await eventually(async () => Boolean((await server.gh.store.clients.get('default', web.id))?.registrationTokenHash?.startsWith('v2$'))),
        'the registration access token is stored under v2 once used',
      );
    });

    test('v1 dropped: what moved to v2 still works; a session left under v1 gets the login page, its code invalid_grant', async () => {
      await restart(v2);

      const silent = await exchange(await silentCode(kept));
      assert.equal(silent.status, 200, JSON.stringify(silent.body));
      for (const secret of [machine.secret, machine.previousSecret]) assert.equal((await clientCredentials(machine.id, secret)).status, 200, 'both secrets, rehashed, under v2 alone');
      assert.equal((await apiKeyExchange()).status, 200, 'the API key, rehashed, under v2 alone');
      assert.equal((await readRegistration()).status, 200, 'the registration access token, rehashed, under v2 alone');

      const verifier = randomBytes(32).toString('base64url');
      const page = await idle.go(authorizeUrl(verifier));
      assert.equal(page.response.status, 200, page.body.slice(0, 300));
      assert.match(page.body, /name="password"/, 'the login page is shown again');
      const none = await idle.go(authorizeUrl(verifier, { prompt: 'none' }));
      assert.equal(new URL(none.url).searchParams.get('error'), 'login_required');

      const stale = await exchange(idleCode);
      assert.equal(stale.status, 400, JSON.stringify(stale.body));
      assert.equal(stale.body.error, 'invalid_grant');

      // Signing in again works under v2 alone.
      const fresh = await exchange(await signInFor(idle));
      assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    });
  });
}
