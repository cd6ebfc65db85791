/**
 * The browser-facing surface: RFC 9700 §4.7 (CSRF), §4.4 (mix-up), §4.12 (303 after POST), §4.16 (clickjacking),
 * §4.2 (Referer leakage), no CORS on the authorization endpoint (and CORS without credentials where
 * browser applications call: metadata, JWKS, token, revocation, userinfo), RFC 6819 §4.4.1.8–10 and §5.2.4
 * (consent cannot be forged or widened). Every form and every HTML page is tried. SQLite only:
 * these are properties of the HTTP surface.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../helpers/databases.js';
import { FormClient, parseForm, type ServedForm } from '../helpers/forms.js';
import { bearer, clientCredentialsToken, json, request } from '../helpers/oauth.js';
import { s256 } from '../../src/oauth/pkce.js';
import { REDIRECT, USERS, securityWorld, verifier, type SecurityWorld } from './fixture.js';

const sqlite = testDatabases().find((d) => d.name === 'sqlite')!;

describe('security: forms and headers (RFC 9700 §4.7, §4.12, §4.16)', () => {
  let world: SecurityWorld;
  before(async () => {
    world = await securityWorld(await sqlite.create());
  });
  after(() => world.close());

  const flowUrl = (extra: Record<string, string> = {}) => world.authorizeUrl(world.web.id, { scope: 'photos', code_challenge: s256(verifier()), code_challenge_method: 'S256', ...extra });

  /** A new browser on the login page of a new authorization request. */
  async function loginForm(browser = new FormClient(world.url), extra: Record<string, string> = {}): Promise<{ browser: FormClient; form: ServedForm }> {
    const page = await browser.go(flowUrl(extra));
    return { browser, form: parseForm(page.body, page.url, page.response.status) };
  }

  /** A browser signed in and on the consent page (prompt=consent asks every time). */
  async function consentForm(): Promise<{ browser: FormClient; form: ServedForm; login: ServedForm }> {
    const { browser, form: login } = await loginForm(undefined, { prompt: 'consent' });
    const page = await browser.submit(login, { username: 'alice', password: USERS.alice });
    assert.match(page.body, /name="decision"/);
    return { browser, form: parseForm(page.body, page.url, page.response.status), login };
  }

  /** Posts a form body with exactly these fields and this cookie header, as a forger would. */
  async function forge(action: string, fields: Record<string, string>, cookie = ''): Promise<Response> {
    return fetch(action, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) }, body: new URLSearchParams(fields).toString() });
  }

  test('RFC 9700 §4.7, RFC 6819 §4.4.1.8 CSRF: the login form is refused without its token, without its cookie, or with another browser’s cookie', async () => {
    const { browser, form } = await loginForm();
    const credentials = { username: 'alice', password: USERS.alice };
    assert.equal((await forge(form.action, credentials, browser.jar.header())).status, 403, 'no token');
    assert.equal((await forge(form.action, { ...credentials, csrf: form.hidden.csrf! })).status, 403, 'no cookie');
    assert.equal((await forge(form.action, { ...credentials, csrf: 'x'.repeat(43) }, browser.jar.header())).status, 403, 'made-up token');
    const other = await loginForm();
    assert.equal((await forge(form.action, { ...credentials, csrf: form.hidden.csrf! }, other.browser.jar.header())).status, 403, 'another browser’s cookie');
    const honest = await browser.submit(form, credentials);
    assert.ok(!honest.body.includes('name="password"'), 'the form as served still works');
  });

  test('RFC 9700 §4.7 CSRF: a login token is bound to its authorization request', async () => {
    const browser = new FormClient(world.url);
    const first = await loginForm(browser);
    const second = await loginForm(browser);
    const response = await forge(second.form.action, { username: 'alice', password: USERS.alice, csrf: first.form.hidden.csrf! }, browser.jar.header());
    assert.equal(response.status, 403);
  });

  test('RFC 9700 §4.7, RFC 6819 §4.4.1.10 CSRF: the consent form is refused without its token, with the login token, or from another browser', async () => {
    const { browser, form, login } = await consentForm();
    const allow = { decision: 'allow', scope: 'photos' };
    assert.equal((await forge(form.action, allow, browser.jar.header())).status, 403, 'no token');
    assert.equal((await forge(form.action, { ...allow, csrf: login.hidden.csrf! }, browser.jar.header())).status, 403, 'the login form’s token');
    assert.equal((await forge(form.action, { ...allow, csrf: form.hidden.csrf! })).status, 403, 'no cookie');
    const honest = await browser.submit(form, { scope: 'photos', decision: 'allow' });
    assert.equal(new URL(honest.url).origin + new URL(honest.url).pathname, REDIRECT);
  });

  test('RFC 6819 §4.2.2 scope on consent: a scope the application did not ask for cannot be added to the consent post', async () => {
    const { browser, form } = await consentForm();
    const widened = await browser.submit(form, { scope: ['photos', 'orders'], decision: 'allow' });
    assert.equal(widened.response.status, 400);
    assert.match(widened.response.headers.get('content-type') ?? '', /^text\/html/);
  });

  test('RFC 6819 §5.2.4.1 repeated authorization: consent given to one client is not reused for another (prompt=none answers consent_required)', async () => {
    const browser = new FormClient(world.url);
    const { form } = await loginForm(browser, { prompt: 'consent' });
    const consent = await browser.submit(form, { username: 'alice', password: USERS.alice });
    const granted = await browser.submit(parseForm(consent.body, consent.url, 200), { scope: 'photos', decision: 'allow' });
    assert.ok(new URL(granted.url).searchParams.get('code'), 'consented for the web client');
    const other = await world.register({ client_name: 'Other app', redirect_uris: [REDIRECT], grant_types: ['authorization_code'], scope: 'photos' });
    const silent = await browser.go(world.authorizeUrl(other.id, { scope: 'photos', prompt: 'none', code_challenge: s256(verifier()), code_challenge_method: 'S256' }));
    assert.equal(new URL(silent.url).searchParams.get('error'), 'consent_required');
  });

  test('RFC 6819 §5.3.5 state: the client’s state comes back byte for byte, with the code and with errors', async () => {
    const state = 'a b+c/d?e=f&g;h%i#j';
    const { browser, form } = await loginForm(undefined, { state, prompt: 'consent' });
    const consent = await browser.submit(form, { username: 'alice', password: USERS.alice });
    const done = await browser.submit(parseForm(consent.body, consent.url, 200), { scope: 'photos', decision: 'allow' });
    assert.ok(new URL(done.url).searchParams.get('code'));
    assert.equal(new URL(done.url).searchParams.get('state'), state);
    const error = await fetch(world.authorizeUrl(world.web.id, { state, response_type: 'bogus' }), { redirect: 'manual' });
    assert.equal(new URL(error.headers.get('location')!).searchParams.get('state'), state);
  });

  test('RFC 9700 §4.4.2.1 mix-up: every authorization response names its issuer (RFC 9207 iss), codes and errors alike, each tenant its own', async () => {
    const { browser, form } = await loginForm(undefined, { prompt: 'consent' });
    const consent = await browser.submit(form, { username: 'alice', password: USERS.alice });
    const done = new URL((await browser.submit(parseForm(consent.body, consent.url, 200), { scope: 'photos', decision: 'allow' })).url);
    assert.ok(done.searchParams.get('code'));
    assert.equal(done.searchParams.get('iss'), world.url);
    const error = await fetch(world.authorizeUrl(world.web.id, { response_type: 'bogus' }), { redirect: 'manual' });
    assert.equal(new URL(error.headers.get('location')!).searchParams.get('iss'), world.url);
    const implicitError = await fetch(world.authorizeUrl(world.web.id, { response_type: 'token' }), { redirect: 'manual' });
    assert.equal(new URLSearchParams(new URL(implicitError.headers.get('location')!).hash.slice(1)).get('iss'), world.url, 'in the fragment for implicit');
    const metadata = await (await fetch(`${world.url}/.well-known/oauth-authorization-server`)).json();
    assert.equal(metadata.issuer, world.url);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    const created = await world.adminApi('/tenants', json('POST', { id: 'mixup', name: 'Mix-up' }, bearer(world.admin)));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const tenantAdmin = await clientCredentialsToken(`${world.url}/t/mixup`, created.body.admin_client_id, created.body.admin_client_secret);
    const app = await request(`${world.url}/t/mixup/oauth/register`, json('POST', { client_name: 'Same redirect', redirect_uris: [REDIRECT], grant_types: ['authorization_code'] }, bearer(tenantAdmin)));
    const tenantError = await fetch(`${world.url}/t/mixup/oauth/authorize?response_type=bogus&client_id=${app.body.client_id}&redirect_uri=${encodeURIComponent(REDIRECT)}`, { redirect: 'manual' });
    assert.equal(new URL(tenantError.headers.get('location')!).searchParams.get('iss'), `${world.url}/t/mixup`, 'two issuers sharing a redirect URI are told apart');
  });

  test('RFC 9700 §4.12 307 redirect: every redirect after a POST in the flow is a 303, never a 307 or 308', async () => {
    const statuses: number[] = [];
    const browser = new FormClient(world.url);
    const post = async (action: string, fields: Record<string, string | string[]>) => {
      const body = new URLSearchParams();
      for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
      const response = await fetch(action, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.jar.header() }, body: body.toString() });
      browser.jar.store(response);
      statuses.push(response.status);
      return response;
    };
    const authorize = new URL(flowUrl({ prompt: 'consent' }));
    await post(`${world.url}/oauth/authorize`, Object.fromEntries(authorize.searchParams));
    const { form } = await loginForm(browser, { prompt: 'consent' });
    const afterLogin = await post(form.action, { ...form.hidden, username: 'alice', password: USERS.alice });
    const consentPage = await browser.go(new URL(afterLogin.headers.get('location')!, world.url).toString());
    const consent = parseForm(consentPage.body, consentPage.url, 200);
    const allowed = await post(consent.action, { ...consent.hidden, scope: 'photos', decision: 'allow' });
    assert.ok(new URL(allowed.headers.get('location')!).searchParams.get('code'));
    const denyFlow = await consentForm();
    // In its own browser (its own CSRF cookie); the redirect leaves the server, so this is that response.
    const denied = await denyFlow.browser.submit(denyFlow.form, { decision: 'deny' });
    statuses.push(denied.response.status);
    assert.equal(new URL(denied.url).searchParams.get('error'), 'access_denied');
    assert.equal(statuses.length, 4);
    assert.deepEqual(statuses.filter((s) => s >= 300 && s < 400 && s !== 303), [], `statuses: ${statuses}`);
  });

  test('RFC 9700 §4.16, RFC 6819 §4.4.1.9, §5.2.2.6 clickjacking: every HTML page forbids framing (CSP frame-ancestors and X-Frame-Options)', async () => {
    const { browser, form } = await loginForm();
    const consent = await consentForm();
    const failedLogin = await browser.submit(form, { username: 'alice', password: 'wrong-password' });
    const pages: [string, Response][] = [
      ['login', (await browser.go(form.action)).response],
      ['login failure', failedLogin.response],
      ['consent', (await consent.browser.go(consent.form.action)).response],
      ['authorize error', await fetch(world.authorizeUrl('no-such-client'), { redirect: 'manual' })],
      ['expired request', await fetch(`${world.url}/login?request=nope`)],
      ['CSRF refusal', await forge(form.action, { username: 'a', password: 'b' })],
      ['console', await fetch(`${world.url}/console/`)],
    ];
    for (const [name, response] of pages) {
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/, name);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', name);
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, name);
    }
  });

  test('RFC 9700 §4.2.4 Referer leakage: pages send Referrer-Policy no-referrer and load nothing from elsewhere', async () => {
    const { browser, form } = await loginForm();
    const page = await browser.go(form.action);
    assert.equal(page.response.headers.get('referrer-policy'), 'no-referrer');
    const csp = page.response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(page.body, /<(script|img|link|iframe)\b/i, 'no subresources that would carry a Referer');
  });

  test('RFC 9700 §4.7 CSRF cookies: the CSRF and session cookies are HttpOnly, SameSite=Lax and scoped to the tenant’s path', async () => {
    const response = await fetch(flowUrl(), { redirect: 'manual' });
    const login = await fetch(new URL(response.headers.get('location')!, world.url), { redirect: 'manual' });
    const cookies = login.headers.getSetCookie();
    assert.ok(cookies.some((c) => c.startsWith('gh_csrf_')), cookies.join(' | '));
    for (const cookie of cookies) {
      assert.match(cookie, /HttpOnly/i, cookie);
      assert.match(cookie, /SameSite=Lax/i, cookie);
      assert.match(cookie, /Path=\//, cookie);
    }
  });

  test('no CORS on /oauth/authorize and the sign-in pages: no Access-Control-Allow-Origin, preflights are not granted', async () => {
    const origin = { origin: 'https://evil.example' };
    const { form } = await loginForm();
    for (const url of [flowUrl(), form.action]) {
      const simple = await fetch(url, { headers: origin, redirect: 'manual' });
      assert.equal(simple.headers.get('access-control-allow-origin'), null, url);
      assert.equal(simple.headers.get('access-control-allow-credentials'), null, url);
      const preflight = await fetch(url, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'POST' }, redirect: 'manual' });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null, url);
      assert.ok(preflight.status >= 400, `preflight of ${url} answered ${preflight.status}`);
    }
    for (const path of ['/oauth/introspect', '/oauth/register', '/admin/api/v1/clients']) {
      const preflight = await fetch(`${world.url}${path}`, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'POST' } });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null, path);
    }
  });

  test('CORS where browser applications call (metadata, JWKS, token, revocation, userinfo): any origin, never credentials, errors readable', async () => {
    const origin = { origin: 'https://spa.example' };
    const paths: [string, string][] = [
      ['/.well-known/openid-configuration', 'GET'],
      ['/.well-known/oauth-authorization-server', 'GET'],
      ['/oauth/jwks', 'GET'],
      ['/oauth/token', 'POST'],
      ['/oauth/revoke', 'POST'],
      ['/oauth/userinfo', 'GET'],
    ];
    for (const [path, method] of paths) {
      const preflight = await fetch(`${world.url}${path}`, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' } });
      assert.equal(preflight.status, 204, path);
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*', path);
      assert.match(preflight.headers.get('access-control-allow-methods') ?? '', new RegExp(method), path);
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/i, path);
      assert.equal(preflight.headers.get('access-control-allow-credentials'), null, path);
    }
    const tenantPreflight = await fetch(`${world.url}/.well-known/oauth-authorization-server/t/no-such-tenant`, { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'GET' } });
    assert.equal(tenantPreflight.status, 404, 'no tenant, no preflight');
    const plain = await fetch(`${world.url}/oauth/token`, { method: 'OPTIONS' });
    assert.equal(plain.status, 405, 'an OPTIONS that is no preflight');
    assert.equal(plain.headers.get('allow'), 'POST');
    for (const path of ['/.well-known/openid-configuration', '/oauth/jwks']) {
      const response = await fetch(`${world.url}${path}`, { headers: origin });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), '*', path);
    }
    // A public client's code exchange from its page, and the errors it must be able to read.
    const { code, verifier: codeVerifier } = await world.getCode(world.spa);
    const exchanged = await fetch(`${world.url}/oauth/token`, { method: 'POST', headers: { ...origin, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: codeVerifier, client_id: world.spa.id, redirect_uri: REDIRECT }).toString() });
    assert.equal(exchanged.status, 200);
    assert.equal(exchanged.headers.get('access-control-allow-origin'), '*');
    const replayed = await fetch(`${world.url}/oauth/token`, { method: 'POST', headers: { ...origin, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: codeVerifier, client_id: world.spa.id, redirect_uri: REDIRECT }).toString() });
    assert.equal(replayed.status, 400);
    assert.equal(replayed.headers.get('access-control-allow-origin'), '*', 'an error is readable too');
    for (const path of ['/t/no-such-tenant/oauth/jwks', '/.well-known/oauth-authorization-server/t/no-such-tenant']) {
      const noTenant = await fetch(`${world.url}${path}`, { headers: origin });
      assert.equal(noTenant.status, 404, path);
      assert.equal(noTenant.headers.get('access-control-allow-origin'), '*', `an unknown tenant’s 404 is readable too: ${path}`);
    }
    const challenged = await fetch(`${world.url}/oauth/userinfo`, { headers: { ...origin, authorization: 'Bearer not-a-token' } });
    assert.equal(challenged.status, 401);
    assert.equal(challenged.headers.get('access-control-allow-origin'), '*');
    assert.match(challenged.headers.get('access-control-expose-headers') ?? '', /WWW-Authenticate/i);
    const sameOrigin = await fetch(`${world.url}/oauth/jwks`);
    assert.equal(sameOrigin.headers.get('access-control-allow-origin'), null, 'no Origin, no CORS headers');
  });
});
