/**
 * RFC 9700 §4.1 (insufficient redirect URI validation) and §4.11.2 (the authorization server as
 * open redirector), RFC 6819 §4.2.4 and §5.2.3.5: every confusion payload an attacker would try
 * against a registered redirect URI is refused on a page, never redirected to. Pure HTTP surface
 * (matching happens in memory), so SQLite alone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../helpers/databases.js';
import { bearer, json, request } from '../helpers/oauth.js';
import { s256 } from '../../src/oauth/pkce.js';
import { LOOPBACK_REDIRECT, REDIRECT, securityWorld, verifier, type SecurityWorld } from './fixture.js';

/** Each a near miss of https://app.example/cb or of the loopback http://127.0.0.1:7000/cb. */
const PAYLOADS: Record<string, string[]> = {
  prefix: ['https://app.example/cb/extra', 'https://app.example/cbx', 'https://app.example/c', 'https://app.example/'],
  suffix: ['https://app.example/cb?x=1', 'https://app.example/cb#frag', 'https://app.example/cb/', 'https://app.example/cb?'],
  host: ['https://evil.example/cb', 'https://evil.app.example/cb', 'https://app.example.evil.example/cb', 'https://app.example./cb', 'https://app-example/cb'],
  userinfo: ['https://app.example@evil.example/cb', 'https://evil.example@app.example/cb', 'https://app.example%40evil.example/cb', 'https://user:pass@app.example/cb'],
  port: ['https://app.example:443/cb', 'https://app.example:8443/cb', 'http://127.0.0.1:7000.evil.example/cb'],
  case: ['https://APP.example/cb', 'https://app.example/CB', 'HTTPS://app.example/cb', 'https://app.EXAMPLE/cb'],
  scheme: ['http://app.example/cb', 'javascript://app.example/cb', 'data:text/html,<script>alert(1)</script>', 'app.example/cb', '//evil.example/cb'],
  'path traversal': ['https://app.example/cb/../evil', 'https://app.example/evil/../cb', 'https://app.example/cb/..%2fevil', 'https://app.example/cb/%2e%2e/evil', 'https://app.example/./cb', 'https://app.example/cb/..;/evil'],
  encoded: ['https://app.example/%63b', 'https://app%2Eexample/cb', 'https://app.example%2fcb', 'https://app.example/cb%00', 'https://app.example/cb%20', ' https://app.example/cb', 'https://app.example/cb\t'],
  backslash: ['https://app.example\\@evil.example/cb', 'https:/\\evil.example/cb', 'https://app.example\\cb'],
  loopback: ['http://localhost:7000/cb', 'http://[::1]:7000/cb', 'http://127.0.0.1:7000/cb/extra', 'http://127.0.0.1:7000/cb?x=1', 'https://127.0.0.1:7000/cb', 'http://127.0.0.2:7000/cb'],
  // URL parsing would drop the tab and newline and read \ as /: the redirect repeats the URI as given.
  'loopback, other port, unclean': ['http://127.0.0.1:7001/c\tb', 'http://127.0.0.1:7001/c\nb', 'http://127.0.0.1:7001\\cb', 'http://127.0.0.1:7001/%63b'],
};

const sqlite = testDatabases().find((d) => d.name === 'sqlite')!;

describe('security: redirect URIs (RFC 9700 §4.1, §4.11)', () => {
  let world: SecurityWorld;
  before(async () => {
    world = await securityWorld(await sqlite.create());
  });
  after(() => world.close());

  const pkce = () => ({ code_challenge: s256(verifier()), code_challenge_method: 'S256' });

  /** Fetches without following redirects and asserts the error page of RFC 9700 §4.11.2. */
  async function assertErrorPage(url: string, init: RequestInit = {}) {
    const response = await fetch(url, { ...init, redirect: 'manual' });
    const body = await response.text();
    assert.equal(response.status, 400, `${url}: ${response.status} ${body.slice(0, 200)}`);
    assert.equal(response.headers.get('location'), null, `${url} must not redirect`);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.doesNotMatch(body, /evil\.example/, 'the page does not link to the attacker');
  }

  for (const [kind, uris] of Object.entries(PAYLOADS)) {
    test(`RFC 9700 §4.1.1, §4.1.3 redirect URI: ${kind} variants of a registered URI are refused on a page (exact match only)`, async () => {
      for (const uri of uris) await assertErrorPage(world.authorizeUrl(world.web.id, { redirect_uri: uri, ...pkce() }));
    });
  }

  test('RFC 9700 §4.1.2 redirect URI: implicit-style requests with a foreign redirect URI are refused before response_type is looked at', async () => {
    for (const uri of ['https://evil.example/cb', 'https://app.example/cb/../../evil']) {
      await assertErrorPage(world.authorizeUrl(world.web.id, { response_type: 'token', redirect_uri: uri }));
    }
  });

  test('RFC 9700 §4.1.3 redirect URI: the registered URI itself is accepted, and loopback URIs differ only in port (RFC 8252 §7.3)', async () => {
    for (const uri of [REDIRECT, LOOPBACK_REDIRECT, 'http://127.0.0.1:51234/cb']) {
      const response = await fetch(world.authorizeUrl(world.web.id, { redirect_uri: uri, ...pkce() }), { redirect: 'manual' });
      assert.equal(response.status, 303, uri);
      assert.match(response.headers.get('location') ?? '', /\/login\?request=/, `${uri} goes on to sign-in`);
    }
  });

  test('RFC 9700 §4.1.3 redirect URI: a URI sent by POST to /oauth/authorize is matched the same way', async () => {
    for (const uri of ['https://evil.example/cb', 'https://APP.example/cb']) {
      const body = new URLSearchParams({ response_type: 'code', client_id: world.web.id, redirect_uri: uri, ...pkce() }).toString();
      await assertErrorPage(`${world.url}/oauth/authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    }
  });

  test('RFC 9700 §4.11.2 open redirector: an unknown, missing or deactivated client is an error page, never a redirect', async () => {
    await assertErrorPage(world.authorizeUrl('no-such-client', { redirect_uri: 'https://evil.example/cb' }));
    const missing = new URL(world.authorizeUrl(world.web.id, { redirect_uri: 'https://evil.example/cb' }));
    missing.searchParams.delete('client_id');
    await assertErrorPage(missing.toString());
    const doomed = await world.register({ client_name: 'Deactivated', redirect_uris: [REDIRECT], grant_types: ['authorization_code'], scope: 'photos' });
    assert.equal((await world.adminApi(`/clients/${doomed.id}`, json('PATCH', { active: false }, bearer(world.admin)))).status, 200);
    await assertErrorPage(world.authorizeUrl(doomed.id, pkce()));
  });

  test('RFC 9700 §4.11.2 open redirector: without redirect_uri a client with several registered URIs gets an error page', async () => {
    const url = new URL(world.authorizeUrl(world.web.id, pkce()));
    url.searchParams.delete('redirect_uri');
    await assertErrorPage(url.toString());
  });

  test('RFC 9700 §4.11.2 open redirector: errors after the redirect URI is validated go only to that registered URI', async () => {
    const response = await fetch(world.authorizeUrl(world.web.id, { response_type: 'bogus', ...pkce() }), { redirect: 'manual' });
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.origin + location.pathname, REDIRECT);
    assert.equal(location.searchParams.get('error'), 'unsupported_response_type');
  });

  test('RFC 6819 §5.2.3.5 redirect URI: registration refuses URIs that cannot be matched safely', async () => {
    for (const uri of ['https://app.example/cb#frag', 'javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', '/relative/cb', 'http://app.example/cb']) {
      const response = await request(`${world.url}/oauth/register`, json('POST', { client_name: `bad ${uri}`, redirect_uris: [uri], grant_types: ['authorization_code'] }, bearer(world.admin)));
      assert.equal(response.status, 400, `${uri}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error, 'invalid_redirect_uri', uri);
    }
  });

  test('RFC 9700 §4.5.3 redirect URI: the token request must repeat the redirect URI of the authorization request', async () => {
    const { code, verifier: v } = await world.getCode();
    const other = await world.exchange(code, v, world.web, LOOPBACK_REDIRECT);
    assert.equal(other.status, 400);
    assert.equal(other.body.error, 'invalid_grant');
  });
});
