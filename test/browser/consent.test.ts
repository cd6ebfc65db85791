/**
 * The sign-in pages in a real browser: Debian's chromium driven by playwright-core, against the
 * real server on SQLite, with the client's redirect URI a small HTTP server in this test
 * (loopback http is allowed). Login by the visible labels, consent with one scope unticked,
 * "Grant Access", and the browser lands on the callback with code, state and iss; the code is
 * exchanged and the token lacks the unticked scope. The browser also enforces what no HTTP test
 * can: the pages' CSP (the inline stylesheet's hash, form-action across the redirect back to the
 * client). Screenshots of the consent page go to test-artifacts/ (desktop and phone widths).
 *
 * Chromium comes from Debian (`apt-get install chromium`; .ci/run installs it): never downloaded.
 * Without it the suite is skipped locally and fails under CI=true.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { decodeJwt } from 'jose';
import { tempDir } from '../helpers/databases.js';
import { ARTIFACTS, launchChromium, skipWithoutChromium } from '../helpers/browser.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';
import { s256 } from '../../src/oauth/pkce.js';

const skip = skipWithoutChromium;

/** The client's redirect URI: records every query it receives and answers a small page. */
async function startCallbackServer(): Promise<{ url: string; hits: URL[]; close(): Promise<void> }> {
  const hits: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname === '/cb') hits.push(url);
    res.writeHead(url.pathname === '/cb' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Back at the client</title><p>Back at the client.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cb`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('consent in a real browser (chromium, SQLite)', { timeout: 180_000 }, () => {
  let server: TestServer;
  let callback: Awaited<ReturnType<typeof startCallbackServer>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let web: { id: string; secret: string };
  /** What the browser reported about Content Security Policy violations. */
  const cspViolations: string[] = [];
  const user = { username: 'erin', password: 'erin-password-42' };

  function authorizeUrl(params: Record<string, string>) {
    const url = new URL(`${server.url}/oauth/authorize`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: web.id, redirect_uri: callback.url, ...params })) url.searchParams.set(k, v);
    return url.toString();
  }

  const exchange = (code: string, verifier: string) =>
    request(`${server.url}/oauth/token`, form({ grant_type: 'authorization_code', code, redirect_uri: callback.url, code_verifier: verifier }, { authorization: basic(web.id, web.secret) }));

  /** Waits for the browser to arrive at the callback and returns the query it carried. */
  async function landedOnCallback(state: string): Promise<URLSearchParams> {
    await page.waitForURL((url) => url.href.startsWith(callback.url), { timeout: 15_000 });
    assert.equal(await page.locator('p').textContent(), 'Back at the client.');
    const hit = callback.hits.at(-1);
    assert.ok(hit, 'the callback server received the redirect');
    assert.equal(hit.href, page.url(), 'the callback received exactly what the browser shows');
    assert.equal(hit.searchParams.get('state'), state);
    assert.equal(hit.searchParams.get('iss'), server.url, 'RFC 9207 iss');
    return hit.searchParams;
  }

  before(async () => {
    if (skip) return;
    callback = await startCallbackServer();
    server = await startServer(`sqlite:${path.join(tempDir(), 'gatehouse.db')}`);
    const admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
    const scope = await request(`${server.url}/admin/api/v1/scopes`, json('POST', { name: 'photos', description: 'See and download your photos', services: ['/photos/**'] }, bearer(admin)));
    assert.equal(scope.status, 201, JSON.stringify(scope.body));
    const created = await request(`${server.url}/admin/api/v1/users`, json('POST', { ...user, email: 'erin@example.com', given_name: 'Erin' }, bearer(admin)));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const registered = await request(
      `${server.url}/oauth/register`,
      json('POST', { client_name: 'PhotoPrint', redirect_uris: [callback.url], grant_types: ['authorization_code', 'refresh_token'], scope: 'openid profile email photos', refresh_token_limit: null }, bearer(admin)),
    );
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    web = { id: registered.body.client_id, secret: registered.body.client_secret };

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await callback?.close();
  });

  test('login, untick a scope, Grant Access: back at the client with code, state and iss; the token lacks the scope', { skip }, async () => {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(12).toString('base64url');
    await page.goto(authorizeUrl({ scope: 'openid profile email photos', state, code_challenge: s256(verifier), code_challenge_method: 'S256' }));

    // The login page, found the way a person finds it: by its labels.
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.match((await page.locator('main').textContent()) ?? '', /to continue to PhotoPrint/);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // The consent page: one ticked checkbox per requested scope.
    await page.getByRole('heading', { name: 'Grant access' }).waitFor();
    const boxes = page.locator('input[type=checkbox][name=scope]');
    assert.deepEqual(await boxes.evaluateAll((els) => els.map((el) => (el as HTMLInputElement).value)), ['openid', 'profile', 'email', 'photos']);
    for (const box of await boxes.all()) assert.equal(await box.isChecked(), true, 'checked by default');
    assert.match((await page.locator('main').textContent()) ?? '', /See and download your photos/);
    // The inline stylesheet is allowed by its CSP hash, so the page is styled.
    assert.equal(await page.getByRole('button', { name: 'Grant Access' }).evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(31, 95, 209)');

    await page.getByRole('checkbox', { name: 'email' }).uncheck();
    assert.equal(await page.getByRole('checkbox', { name: 'email' }).isChecked(), false);
    await page.screenshot({ path: path.join(ARTIFACTS, 'consent.png') });
    await page.setViewportSize({ width: 375, height: 700 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'consent-phone.png'), fullPage: true });
    // At phone width nothing overflows sideways and both buttons can be reached.
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling at 375 px');
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole('button', { name: 'Grant Access' }).click();
    const query = await landedOnCallback(state);
    const code = query.get('code');
    assert.ok(code, `a code in ${query}`);
    assert.equal(query.get('error'), null);

    const tokens = await exchange(code, verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.deepEqual(tokens.body.scope.split(' '), ['openid', 'profile', 'photos']);
    assert.ok(!String(decodeJwt(tokens.body.access_token).scope).split(' ').includes('email'), 'the access token lacks the unticked scope');
    const info = await request(`${server.url}/oauth/userinfo`, { headers: bearer(tokens.body.access_token) });
    assert.equal(info.body.email, undefined);
    assert.equal(info.body.given_name, 'Erin');
  });

  test('signing in again (prompt=login) with the consent remembered goes straight back to the client', { skip }, async () => {
    // Chromium applies the login page's CSP form-action to the redirect that follows the post,
    // so the client's origin must be allowed there as well as on the consent page.
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(12).toString('base64url');
    const before = callback.hits.length;
    await page.goto(authorizeUrl({ scope: 'openid profile photos', state, prompt: 'login', code_challenge: s256(verifier), code_challenge_method: 'S256' }));
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const query = await landedOnCallback(state);
    assert.equal(callback.hits.length, before + 1);
    const tokens = await exchange(query.get('code')!, verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.scope, 'openid profile photos');
  });

  test('Deny sends the browser back with access_denied', { skip }, async () => {
    const state = randomBytes(12).toString('base64url');
    await page.goto(authorizeUrl({ scope: 'openid email', state, prompt: 'consent', code_challenge: s256(randomBytes(32).toString('base64url')), code_challenge_method: 'S256' }));
    // Still signed in: the session cookie skips the login page.
    await page.getByRole('heading', { name: 'Grant access' }).waitFor();
    await page.getByRole('button', { name: 'Deny' }).click();
    const query = await landedOnCallback(state);
    assert.equal(query.get('error'), 'access_denied');
    assert.equal(query.get('code'), null);
  });

  test('a wrong password shows the error on the login page, without leaving it', { skip }, async () => {
    const state = randomBytes(12).toString('base64url');
    await page.goto(authorizeUrl({ scope: 'photos', state, prompt: 'login', code_challenge: s256(randomBytes(32).toString('base64url')), code_challenge_method: 'S256' }));
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('alert').textContent(), 'The username or password is incorrect.');
    assert.ok(page.url().startsWith(`${server.url}/login?`), page.url());
    assert.equal(callback.hits.at(-1)?.searchParams.get('state') === state, false, 'nothing reached the client');
  });

  test('the browser reported no Content Security Policy violation', { skip }, () => {
    assert.deepEqual(cspViolations, []);
  });
});
