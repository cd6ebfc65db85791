/**
 * RFC 9700 §2.1.1, §4.5 and §4.8, RFC 6819 §4.4.1 and §5.2.1, §5.2.4.4–5: PKCE cannot be skipped,
 * downgraded or swapped to plain; an authorization code is single-use, short-lived, and bound to
 * its client, redirect URI and challenge; replaying one revokes what it bought. On SQLite and
 * PostgreSQL, since single use and revocation are store state.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../helpers/databases.js';
import { bearer, json } from '../helpers/oauth.js';
import { FormClient, signIn } from '../helpers/forms.js';
import { s256 } from '../../src/oauth/pkce.js';
import { nowS } from '../../src/domain/time.js';
import { REDIRECT, USERS, securityWorld, verifier, type SecurityWorld } from './fixture.js';

for (const database of testDatabases()) {
  describe(`security: PKCE and authorization codes on ${database.name}`, () => {
    let world: SecurityWorld;
    before(async () => {
      world = await securityWorld(await database.create());
    });
    after(() => world.close());

    /** The error a refused authorization request sends back to the client. */
    async function authorizeError(clientId: string, params: Record<string, string>) {
      const response = await fetch(world.authorizeUrl(clientId, params), { redirect: 'manual' });
      assert.equal(response.status, 303);
      const location = new URL(response.headers.get('location')!);
      assert.equal(location.origin + location.pathname, REDIRECT);
      return location.searchParams.get('error');
    }

    /** A code issued while the web client does not require PKCE, without any challenge. */
    async function codeWithoutChallenge() {
      assert.equal((await world.adminApi(`/clients/${world.web.id}`, json('PATCH', { require_pkce: false }, bearer(world.admin)))).status, 200);
      try {
        const back = await signIn(new FormClient(world.url), world.authorizeUrl(world.web.id), { username: 'alice', password: USERS.alice });
        return back.searchParams.get('code')!;
      } finally {
        await world.adminApi(`/clients/${world.web.id}`, json('PATCH', { require_pkce: null }, bearer(world.admin)));
      }
    }

    test('RFC 9700 §2.1.1 PKCE: public clients cannot obtain a code without a challenge', async () => {
      assert.equal(await authorizeError(world.spa.id, {}), 'invalid_request');
    });

    test('RFC 9700 §2.1.1 PKCE: confidential clients need a challenge too while the tenant requires PKCE (the default)', async () => {
      assert.equal(await authorizeError(world.web.id, {}), 'invalid_request');
    });

    test('RFC 9700 §2.1.1 PKCE: the plain method is refused, explicitly or by omission of the method', async () => {
      const challenge = verifier();
      assert.equal(await authorizeError(world.spa.id, { code_challenge: challenge, code_challenge_method: 'plain' }), 'invalid_request');
      assert.equal(await authorizeError(world.spa.id, { code_challenge: challenge }), 'invalid_request', 'RFC 7636 §4.3: no method means plain');
      assert.equal(await authorizeError(world.spa.id, { code_challenge: s256(challenge), code_challenge_method: 's256' }), 'invalid_request', 'method names are case-sensitive');
    });

    test('RFC 9700 §4.8 PKCE downgrade: a verifier for a code issued without a challenge is refused', async () => {
      const code = await codeWithoutChallenge();
      const downgrade = await world.exchange(code, verifier());
      assert.equal(downgrade.status, 400);
      assert.equal(downgrade.body.error, 'invalid_grant');
    });

    test('RFC 9700 §4.8 PKCE downgrade: a code bound to a challenge is refused without its verifier', async () => {
      const { code } = await world.getCode(world.spa);
      const without = await world.exchange(code, undefined, world.spa);
      assert.equal(without.status, 400);
      assert.equal(without.body.error, 'invalid_grant');
    });

    test('RFC 9700 §4.8 PKCE plain swap: presenting the S256 challenge itself as the verifier is refused', async () => {
      const { code } = await world.getCode(world.spa);
      // The attacker saw the challenge in the front channel and sends it as a plain verifier.
      const v = verifier();
      const swapped = await world.exchange(code, s256(v), world.spa);
      assert.equal(swapped.body.error, 'invalid_grant');
    });

    test('RFC 9700 §4.5.3 code injection: a code with the wrong verifier is refused, the right one still works', async () => {
      const { code, verifier: v } = await world.getCode(world.spa);
      assert.equal((await world.exchange(code, verifier(), world.spa)).body.error, 'invalid_grant');
      assert.equal((await world.exchange(code, 'short', world.spa)).body.error, 'invalid_grant');
      const right = await world.exchange(code, v, world.spa);
      assert.equal(right.status, 200, JSON.stringify(right.body));
    });

    test('RFC 6819 §5.2.4.4 code binding: a code is refused when another client presents it', async () => {
      const other = await world.register({ client_name: 'Other', redirect_uris: [REDIRECT], grant_types: ['authorization_code'], scope: 'photos' });
      const { code, verifier: v } = await world.getCode();
      const stolen = await world.exchange(code, v, other);
      assert.equal(stolen.status, 400);
      assert.equal(stolen.body.error, 'invalid_grant');
      const publicThief = await world.exchange(code, v, world.spa);
      assert.equal(publicThief.body.error, 'invalid_grant');
    });

    test('RFC 6819 §5.2.4.5 code binding: a code is refused with another redirect URI, or none', async () => {
      const { code, verifier: v } = await world.getCode();
      assert.equal((await world.exchange(code, v, world.web, 'https://app.example/other')).body.error, 'invalid_grant');
      assert.equal((await world.exchange(code, v, world.web, `${REDIRECT}/`)).body.error, 'invalid_grant');
    });

    test('RFC 9700 §4.2.4, RFC 6819 §5.2.1.1 code replay: the second use fails and revokes the access and refresh tokens issued from it', async () => {
      const { code, verifier: v } = await world.getCode();
      const first = await world.exchange(code, v);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal((await world.introspect(first.body.access_token)).active, true);
      const replay = await world.exchange(code, v);
      assert.equal(replay.status, 400);
      assert.equal(replay.body.error, 'invalid_grant');
      assert.deepEqual(await world.introspect(first.body.access_token), { active: false });
      assert.equal((await world.refresh(first.body.refresh_token)).body.error, 'invalid_grant');
      const info = await fetch(`${world.url}/oauth/userinfo`, { headers: bearer(first.body.access_token) });
      assert.equal(info.status, 401, 'the revoked access token is refused by resource endpoints too');
    });

    test('RFC 9700 §4.2.4 code replay: tokens refreshed before the replay are revoked as well', async () => {
      const { code, verifier: v } = await world.getCode();
      const first = (await world.exchange(code, v)).body;
      const next = await world.refresh(first.refresh_token);
      assert.equal(next.status, 200);
      await world.exchange(code, v);
      assert.deepEqual(await world.introspect(next.body.access_token), { active: false });
      assert.equal((await world.refresh(next.body.refresh_token)).body.error, 'invalid_grant');
    });

    test('RFC 6819 §4.4.1.1 code lifetime: a code lives at most 10 minutes (RFC 6749 §4.1.2) and is stored only as a keyed hash', async () => {
      const { code } = await world.getCode();
      assert.match(code, /^ghc_/);
      assert.equal(await world.server.gh.store.grants.getCode([code]), undefined, 'the code itself is not a storage key');
      const row = await world.server.gh.store.grants.getCode(world.server.gh.userTokens.storageKeys(code));
      assert.ok(row);
      assert.ok(Number(row.expires_at) - nowS() <= 600, `expires in ${Number(row.expires_at) - nowS()} s`);
    });

    test('RFC 6819 §4.4.1.3 online guessing of codes: made-up and truncated codes are invalid_grant', async () => {
      const { code, verifier: v } = await world.getCode();
      for (const guess of ['ghc_', 'ghc_AAAA', code.slice(0, -1), `${code}A`, code.toUpperCase(), code.replace('ghc_', '')]) {
        const response = await world.exchange(guess, v);
        assert.equal(response.status, 400, guess);
        assert.equal(response.body.error, 'invalid_grant', guess);
      }
      assert.equal((await world.exchange(code, v)).status, 200, 'the guesses did not spend the real code');
    });
  });
}
