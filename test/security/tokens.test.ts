/**
 * Tokens and credentials: RFC 9700 §4.3 and RFC 6750 §2.3 (never in URLs), RFC 6819 §5.1.4.2.2
 * and §4.6.3 (entropy ≥ 128 bits, measured over samples; forged tokens refused), RFC 9700 §2.3
 * and §4.10.2 (audience-restricted access tokens), §2.4 and §2.1.2 (password and implicit off by
 * default), RFC 6819 §4.6.6 (no caching), §4.3.5 (client secret guessing). SQLite only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET } from '../helpers/server.js';
import { basic, bearer, form, json, request } from '../helpers/oauth.js';
import { FormClient, signIn } from '../helpers/forms.js';
import { s256 } from '../../src/oauth/pkce.js';
import { REDIRECT, USERS, securityWorld, verifier, type SecurityWorld } from './fixture.js';
import { measureEntropy, tokenBytes } from './entropy.js';

const SAMPLES = 64;
const sqlite = testDatabases().find((d) => d.name === 'sqlite')!;

describe('security: tokens and credentials (RFC 9700 §4.3, RFC 6819 §5.1.4)', () => {
  let world: SecurityWorld;
  /** Password-grant tokens of alice for the web client. */
  let tokens: { access_token: string; refresh_token: string; id_token?: string };
  before(async () => {
    world = await securityWorld(await sqlite.create());
    const response = await request(`${world.url}/oauth/token`, form({ grant_type: 'password', username: 'alice', password: USERS.alice, scope: 'openid photos' }, { authorization: basic(world.web.id, world.web.secret) }));
    assert.equal(response.status, 200, JSON.stringify(response.body));
    tokens = response.body;
  });
  after(() => world.close());

  const webAuth = () => ({ authorization: basic(world.web.id, world.web.secret) });
  const tokenPost = (query: string, params: Record<string, string>) => request(`${world.url}/oauth/token?${query}`, form(params, webAuth()));

  test('RFC 9700 §4.3, RFC 6749 §2.3.1 credentials in URLs: secrets, codes, verifiers, passwords and refresh tokens in the token endpoint’s query are invalid_request', async () => {
    for (const [name, value] of [['client_secret', world.web.secret], ['code', 'ghc_x'], ['code_verifier', verifier()], ['password', USERS.alice], ['refresh_token', tokens.refresh_token]] as const) {
      const response = await tokenPost(`${name}=${encodeURIComponent(value)}`, { grant_type: 'client_credentials' });
      assert.equal(response.status, 400, name);
      assert.equal(response.body.error, 'invalid_request', name);
    }
    const refresh = await tokenPost(`refresh_token=${encodeURIComponent(tokens.refresh_token)}&grant_type=refresh_token`, {});
    assert.equal(refresh.body.error, 'invalid_request', 'the query-refresh shape is refused while compat.query_refresh is off');
  });

  test('RFC 9700 §4.3 credentials in URLs: the token endpoint refuses GET', async () => {
    const response = await request(`${world.url}/oauth/token?grant_type=client_credentials&client_id=${ADMIN_ID}&client_secret=${ADMIN_SECRET}`);
    assert.equal(response.status, 405);
    assert.equal(response.body.error, 'invalid_request');
  });

  test('RFC 9700 §4.3 credentials in URLs: introspection and revocation refuse the token in the query', async () => {
    for (const path of ['/oauth/introspect', '/oauth/revoke']) {
      const response = await request(`${world.url}${path}?token=${encodeURIComponent(tokens.access_token)}`, form({}, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
      assert.equal(response.status, 400, path);
      assert.equal(response.body.error, 'invalid_request', path);
    }
    assert.equal((await world.introspect(tokens.access_token)).active, true, 'nothing was revoked');
  });

  test('RFC 9700 §4.3 credentials in URLs: /oauth/authorize refuses client secrets and passwords in its query, on a page', async () => {
    for (const extra of [{ client_secret: world.web.secret }, { password: USERS.alice }, { code_verifier: verifier() }] as Record<string, string>[]) {
      const response = await fetch(world.authorizeUrl(world.web.id, { ...extra, code_challenge: s256(verifier()), code_challenge_method: 'S256' }), { redirect: 'manual' });
      assert.equal(response.status, 400, Object.keys(extra)[0]);
      assert.equal(response.headers.get('location'), null);
    }
  });

  test('RFC 6750 §2.3, RFC 9700 §4.3.2 access tokens in URLs: ?access_token= is refused at userinfo, registration and the admin API, even with a valid header', async () => {
    const admin = encodeURIComponent(world.admin);
    for (const [url, token] of [
      [`${world.url}/oauth/userinfo?access_token=${encodeURIComponent(tokens.access_token)}`, tokens.access_token],
      [`${world.url}/admin/api/v1/clients?access_token=${admin}`, world.admin],
      [`${world.url}/oauth/register/${world.web.id}?access_token=${admin}`, world.admin],
    ] as const) {
      assert.ok((await request(url)).status >= 400, `${url} without header`);
      const withHeader = await request(url, { headers: bearer(token) });
      assert.ok(withHeader.status === 400 || withHeader.status === 401, `${url}: ${withHeader.status}`);
    }
  });

  test('RFC 6819 §5.1.4.2.2 entropy: codes, refresh tokens, client secrets, registration tokens and access-token signatures each carry ≥ 128 random bits (measured over 64 samples)', async () => {
    // Codes without login or consent: one browser, signed in and consented once.
    const browser = new FormClient(world.url);
    const pkce = () => ({ scope: 'photos', code_challenge: s256(verifier()), code_challenge_method: 'S256' });
    await signIn(browser, world.authorizeUrl(world.web.id, pkce()), { username: 'bob', password: USERS.bob });
    const codes: Buffer[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const page = await browser.go(world.authorizeUrl(world.web.id, pkce()));
      codes.push(tokenBytes(new URL(page.url).searchParams.get('code')!));
    }
    const refreshTokens: Buffer[] = [];
    const signatures: Buffer[] = [];
    const own = await request(`${world.url}/oauth/token`, form({ grant_type: 'password', username: 'bob', password: USERS.bob, scope: 'photos' }, webAuth()));
    let refresh: string = own.body.refresh_token;
    for (let i = 0; i < SAMPLES; i++) {
      const next = await world.refresh(refresh);
      assert.equal(next.status, 200, JSON.stringify(next.body));
      refresh = next.body.refresh_token;
      refreshTokens.push(tokenBytes(refresh));
      signatures.push(Buffer.from(next.body.access_token.split('.')[2], 'base64url'));
    }
    const secrets: Buffer[] = [];
    const registrationTokens: Buffer[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const response = await request(`${world.url}/oauth/register`, json('POST', { client_name: `entropy ${i}`, grant_types: ['client_credentials'], response_types: [] }, bearer(world.admin)));
      secrets.push(tokenBytes(response.body.client_secret));
      registrationTokens.push(tokenBytes(response.body.registration_access_token));
    }
    for (const [name, samples] of Object.entries({ codes, refreshTokens, secrets, registrationTokens, signatures })) {
      const measured = measureEntropy(samples);
      assert.ok(measured.distinct, `${name}: duplicates among ${SAMPLES} samples`);
      assert.ok(measured.uniformBytes, `${name}: bytes not uniformly distributed`);
      assert.ok(measured.randomBits >= 128, `${name}: ${measured.randomBits} random bits (Shannon estimate ${measured.shannonBits})`);
    }
  });

  test('RFC 6819 §5.1.4.2.2 entropy: the measurement refuses low-entropy secrets (hex-encoded, counters, time-prefixed) and passes 256 random bits', () => {
    const random = (bytes: number) => Buffer.from(Array.from({ length: bytes }, () => Math.floor(Math.random() * 256)));
    const hexAscii = Array.from({ length: SAMPLES }, () => Buffer.from(random(16).toString('hex'), 'ascii'));
    assert.equal(measureEntropy(hexAscii).uniformBytes, false, 'ASCII hex spends 256 bits on 128');
    const counters = Array.from({ length: SAMPLES }, (_, i) => Buffer.concat([Buffer.alloc(28), Buffer.from([0, 0, 0, i])]));
    assert.ok(measureEntropy(counters).randomBits < 8);
    const timePrefixed = Array.from({ length: SAMPLES }, () => Buffer.concat([Buffer.from([1, 140, 0, 0, 0, Math.floor(Math.random() * 256)]), random(10)]));
    assert.ok(measureEntropy(timePrefixed).randomBits < 128, '48 bits of time and 80 random bits are not 128 random bits');
    const fair = measureEntropy(Array.from({ length: SAMPLES }, () => random(32)));
    assert.ok(fair.uniformBytes && fair.randomBits >= 250, JSON.stringify(fair));
  });

  test('RFC 6819 §4.6.3 guessing and forging access tokens: altered, unsigned and made-up tokens are refused and inactive', async () => {
    const [header, payload, signature] = tokens.access_token.split('.') as [string, string, string];
    const claims = decodeJwt(tokens.access_token);
    const widened = Buffer.from(JSON.stringify({ ...claims, scope: 'admin photos' })).toString('base64url');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
    for (const forged of [`${header}.${widened}.${signature}`, `${none}.${payload}.`, `${header}.${payload}.${flipped}`, 'gh_not_a_token', `${header}.${payload}`]) {
      assert.deepEqual(await world.introspect(forged), { active: false }, forged.slice(0, 40));
      const info = await request(`${world.url}/oauth/userinfo`, { headers: bearer(forged) });
      assert.equal(info.status, 401, forged.slice(0, 40));
      assert.match(info.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      assert.equal((await request(`${world.url}/admin/api/v1/clients`, { headers: bearer(forged) })).status, 401);
    }
  });

  test('RFC 9700 §2.3, §4.10.2 audience restriction: access tokens name the tenant’s gateway audience, and an ID token is not an access token', async () => {
    const claims = decodeJwt(tokens.access_token);
    assert.equal(claims.aud, `${world.url}/gateway`);
    assert.equal(claims.client_id, world.web.id);
    assert.ok(tokens.id_token, 'openid was requested');
    assert.equal((await request(`${world.url}/oauth/userinfo`, { headers: bearer(tokens.id_token!) })).status, 401);
    assert.deepEqual(await world.introspect(tokens.id_token!), { active: false });
  });

  test('RFC 9700 §4.15 client impersonating resource owner: a client cannot choose its client_id, and a client’s own token is no user’s at userinfo', async () => {
    const alice = (await world.adminApi('/users?limit=500', { headers: bearer(world.admin) })).body.items.find((u: { username: string }) => u.username === 'alice');
    const registered = await request(`${world.url}/oauth/register`, json('POST', { client_id: alice.id, client_name: 'Impostor', grant_types: ['client_credentials'], response_types: [], scope: 'photos' }, bearer(world.admin)));
    assert.ok(registered.status === 201 || registered.status === 400, `${registered.status}`);
    if (registered.status === 201) assert.notEqual(registered.body.client_id, alice.id, 'the server picks client ids');
    const machine = await world.register({ client_name: 'Machine', grant_types: ['client_credentials'], response_types: [], scope: 'photos' });
    const token = (await request(`${world.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(machine.id, machine.secret) }))).body.access_token;
    assert.equal(decodeJwt(token).sub, machine.id);
    const info = await request(`${world.url}/oauth/userinfo`, { headers: bearer(token) });
    assert.equal(info.status, 401);
  });

  test('RFC 9700 §2.3 privilege restriction: a token carries only the scopes asked for and allowed to the client', async () => {
    const narrow = await request(`${world.url}/oauth/token`, form({ grant_type: 'password', username: 'alice', password: USERS.alice, scope: 'photos' }, webAuth()));
    assert.equal(narrow.body.scope, 'photos');
    assert.equal(decodeJwt(narrow.body.access_token).scope, 'photos');
    const foreign = await request(`${world.url}/oauth/token`, form({ grant_type: 'password', username: 'alice', password: USERS.alice, scope: 'photos admin' }, webAuth()));
    assert.notEqual(foreign.status, 200, 'admin is not among the client’s scopes');
  });

  test('RFC 6819 §4.6.6 HTTP proxies: token, introspection, revocation and userinfo answers are Cache-Control no-store', async () => {
    const answers = [
      await fetch(`${world.url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: 'ghr_x' }, webAuth())),
      await fetch(`${world.url}/oauth/introspect`, form({ token: tokens.access_token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) })),
      await fetch(`${world.url}/oauth/revoke`, form({ token: 'unknown' }, webAuth())),
      await fetch(`${world.url}/oauth/userinfo`, { headers: bearer(tokens.access_token) }),
    ];
    for (const answer of answers) assert.match(answer.headers.get('cache-control') ?? '', /no-store/, answer.url);
  });

  test('RFC 9700 §2.4 password grant: off unless the client lists it, and never for public clients', async () => {
    const plain = await world.register({ client_name: 'No password', redirect_uris: [REDIRECT], grant_types: ['authorization_code'], scope: 'photos' });
    const refused = await request(`${world.url}/oauth/token`, form({ grant_type: 'password', username: 'alice', password: USERS.alice }, { authorization: basic(plain.id, plain.secret) }));
    assert.equal(refused.body.error, 'unauthorized_client');
    const publicTry = await request(`${world.url}/oauth/register`, json('POST', { client_name: 'Public password', token_endpoint_auth_method: 'none', grant_types: ['password'], response_types: [] }, bearer(world.admin)));
    assert.equal(publicTry.status, 400, JSON.stringify(publicTry.body));
  });

  test('RFC 9700 §2.1.2 implicit grant: off unless the client registered it', async () => {
    const response = await fetch(world.authorizeUrl(world.web.id, { response_type: 'token' }), { redirect: 'manual' });
    const fragment = new URLSearchParams(new URL(response.headers.get('location')!).hash.slice(1));
    assert.equal(fragment.get('error'), 'unauthorized_client');
    assert.equal(fragment.get('access_token'), null);
  });

  test('RFC 6819 §4.3.5 client secret guessing: a wrong secret and an unknown client get the same invalid_client answer', async () => {
    const wrong = await request(`${world.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(world.web.id, 'guess') }));
    const unknown = await request(`${world.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic('no-such-client', 'guess') }));
    assert.equal(wrong.status, 401);
    assert.deepEqual([unknown.status, unknown.body], [wrong.status, wrong.body]);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic/);
  });
});
