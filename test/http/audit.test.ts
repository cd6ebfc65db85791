/**
 * Audit events of security-relevant actions (issue 8 "Operations"), read back through
 * GET /admin/api/v1/audit-events: sign-in success and failure, account lockout, consent granted
 * and revoked, revocation at /oauth/revoke, client secret regeneration, signing-key rotation —
 * and never a secret in any of them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { FormClient, parseForm, signIn } from '../helpers/forms.js';
import { s256 } from '../../src/oauth/pkce.js';

const REDIRECT = 'https://app.example/cb';

interface AuditItem {
  actor: string;
  action: string;
  target: string;
  source: string | null;
  detail: Record<string, unknown>;
}

for (const database of testDatabases()) {
  describe(`audit of security events on ${database.name}`, () => {
    let server: TestServer;
    let admin: string;
    let web: { id: string; secret: string };
    let userId: string;
    const password = 'erin-password-1';
    /** Every value a leak would show: passwords, client secrets, tokens. */
    const secrets: string[] = [password, ADMIN_SECRET];
    const adminApi = (path: string, init?: RequestInit) => request(`${server.url}/admin/api/v1${path}`, init);
    const events = async (): Promise<AuditItem[]> => (await adminApi('/audit-events?limit=500', { headers: bearer(admin) })).body.items;
    const find = async (action: string, match: (e: AuditItem) => boolean = () => true) => (await events()).filter((e) => e.action === action && match(e));
    const authorizeUrl = () => {
      const url = new URL(`${server.url}/oauth/authorize`);
      const params = { response_type: 'code', client_id: web.id, redirect_uri: REDIRECT, scope: 'openid', code_challenge: s256(randomBytes(32).toString('base64url')), code_challenge_method: 'S256' };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return url.toString();
    };

    before(async () => {
      server = await startServer(await database.create());
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const user = await adminApi('/users', json('POST', { username: 'erin', password }, bearer(admin)));
      assert.equal(user.status, 201);
      userId = user.body.id;
      const registered = await request(`${server.url}/oauth/register`, json('POST', { client_name: 'web', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], scope: 'openid' }, bearer(admin)));
      assert.equal(registered.status, 201);
      web = { id: registered.body.client_id, secret: registered.body.client_secret };
      secrets.push(web.secret);
    });
    after(() => server.close());

    test('sign-in success and failure on the login page, then consent granted and revoked', async () => {
      const browser = new FormClient(server.url);
      const page = await browser.go(authorizeUrl());
      const failed = await browser.submit(parseForm(page.body, page.url, page.response.status), { username: 'erin', password: 'not-the-password' });
      assert.equal(failed.response.status, 401);
      secrets.push('not-the-password');
      const back = await signIn(browser, authorizeUrl(), { username: 'erin', password });
      assert.ok(back.searchParams.get('code'));

      const [failure] = await find('user.sign_in_failed', (e) => e.target === 'erin');
      assert.ok(failure, 'failed sign-in recorded');
      assert.equal(failure.actor, 'anonymous');
      assert.equal(failure.source, '127.0.0.1');
      assert.equal(failure.detail.client_id, web.id);
      const [success] = await find('user.signed_in', (e) => e.actor === userId);
      assert.ok(success, 'successful sign-in recorded');
      assert.equal(success.target, userId);

      const [consent] = await find('consent.granted', (e) => e.actor === userId);
      assert.ok(consent, 'consent recorded');
      assert.equal(consent.target, `${userId} ${web.id}`);
      assert.equal(consent.detail.scope, 'openid');
      assert.equal((await adminApi(`/users/${userId}/consents/${encodeURIComponent(web.id)}`, { method: 'DELETE', headers: bearer(admin) })).status, 204);
      assert.equal((await find('consent.revoked', (e) => e.target === `${userId} ${web.id}`)).length, 1);
    });

    test('sign-in success and failure through the password grant', async () => {
      const registered = await request(`${server.url}/oauth/register`, json('POST', { client_name: 'legacy', grant_types: ['password'], scope: 'openid' }, bearer(admin)));
      assert.equal(registered.status, 201);
      const legacy = { id: registered.body.client_id as string, secret: registered.body.client_secret as string };
      secrets.push(legacy.secret, 'grant-wrong-password');
      const grant = (pw: string) => request(`${server.url}/oauth/token`, form({ grant_type: 'password', username: 'erin', password: pw }, { authorization: basic(legacy.id, legacy.secret) }));
      assert.equal((await grant('grant-wrong-password')).status, 400);
      const ok = await grant(password);
      assert.equal(ok.status, 200);
      secrets.push(ok.body.access_token);
      const failures = await find('user.sign_in_failed', (e) => e.target === 'erin' && e.detail.client_id === legacy.id);
      assert.equal(failures.length, 1);
      assert.equal(failures[0]!.source, '127.0.0.1', 'the caller’s address, as the login page records it');
      const successes = await find('user.signed_in', (e) => e.actor === userId && e.detail.client_id === legacy.id);
      assert.equal(successes.length, 1);
      assert.equal(successes[0]!.source, '127.0.0.1');
    });

    test('account and source lockout', async () => {
      // The first test's failure counted against this address: start both counts from zero.
      await server.gh.store.lockout.clear('default', 'ip:127.0.0.1');
      assert.equal((await adminApi('/settings', json('PATCH', { lockout: { max_failures: 2 } }, bearer(admin)))).status, 200);
      try {
        const created = await adminApi('/users', json('POST', { username: 'frank', password: 'frank-password-1' }, bearer(admin)));
        assert.equal(created.status, 201);
        for (let i = 0; i < 2; i++) {
          const browser = new FormClient(server.url);
          const page = await browser.go(authorizeUrl());
          assert.equal((await browser.submit(parseForm(page.body, page.url, page.response.status), { username: 'frank', password: `wrong-${i}` })).response.status, 401);
        }
        const [locked] = await find('account.locked', (e) => e.target === `user:${created.body.id}`);
        assert.ok(locked, 'the lock is recorded');
        assert.equal(locked.detail.failures, 2);
        assert.ok(Number(locked.detail.locked_until) > Date.now() / 1000);
        // The browser's address is counted and locked alongside the account.
        assert.equal((await find('source.locked', (e) => e.target === 'ip:127.0.0.1')).length, 1);
      } finally {
        assert.equal((await adminApi('/settings', json('PATCH', { lockout: { max_failures: 30 } }, bearer(admin)))).status, 200);
        // Unlock the address for the tests that follow.
        await server.gh.store.lockout.clear('default', 'ip:127.0.0.1');
      }
    });

    test('revocation at /oauth/revoke, client secret regeneration, signing-key rotation', async () => {
      const issued = await request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(web.id, web.secret) }));
      assert.equal(issued.status, 200);
      secrets.push(issued.body.access_token);
      const jti = JSON.parse(Buffer.from(issued.body.access_token.split('.')[1], 'base64url').toString()).jti as string;
      assert.equal((await request(`${server.url}/oauth/revoke`, form({ token: issued.body.access_token }, { authorization: basic(web.id, web.secret) }))).status, 200);
      const [revoked] = await find('token.revoked', (e) => e.target === jti);
      assert.ok(revoked, 'revocation by the client recorded');
      assert.equal(revoked.actor, web.id);
      assert.equal(revoked.source, '127.0.0.1');

      const regenerated = await adminApi(`/clients/${encodeURIComponent(web.id)}/secret`, { method: 'POST', headers: bearer(admin) });
      assert.equal(regenerated.status, 200, JSON.stringify(regenerated.body));
      secrets.push(regenerated.body.client_secret);
      assert.equal((await find('client.secret_regenerated', (e) => e.target === web.id)).length, 1);

      const { kid } = await server.gh.keys.rotate('default');
      const [rotation] = await find('keys.rotated', (e) => e.target === kid);
      assert.ok(rotation, 'key rotation recorded');
      assert.equal(rotation.actor, 'system');
    });

    test('no event carries a secret', async () => {
      const all = JSON.stringify(await events());
      assert.ok(all.length > 0);
      for (const secret of secrets) assert.ok(!all.includes(secret), `a secret (${secret.slice(0, 4)}…) appears in the audit log`);
    });
  });
}
