/**
 * RFC 9700 §2.2.2 and §4.14, RFC 6819 §4.5 and §5.2.2: refresh tokens rotate, a reused one
 * revokes its whole grant, they are bound to their client, cannot widen scope, are issued only
 * where allowed, are revocable by their own client only, and are stored as keyed hashes.
 * On SQLite and PostgreSQL: rotation and family revocation are store state.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../helpers/databases.js';
import { basic, bearer, form, json, request } from '../helpers/oauth.js';
import { securityWorld, type Credentials, type SecurityWorld } from './fixture.js';

for (const database of testDatabases()) {
  describe(`security: refresh tokens on ${database.name}`, () => {
    let world: SecurityWorld;
    let thief: Credentials;
    before(async () => {
      world = await securityWorld(await database.create());
      thief = await world.register({ client_name: 'Thief', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['https://thief.example/cb'], scope: 'photos orders', refresh_token_limit: null });
    });
    after(() => world.close());

    /** A fresh grant for `client`: its first access and refresh tokens. */
    async function grant(client = world.web, scope = 'photos orders') {
      const { code, verifier } = await world.getCode(client, { scope });
      const tokens = await world.exchange(code, verifier, client);
      assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
      assert.ok(tokens.body.refresh_token);
      return tokens.body as { access_token: string; refresh_token: string };
    }

    const revoke = (token: string, client: Credentials) => request(`${world.url}/oauth/revoke`, form({ token }, { authorization: basic(client.id, client.secret) }));

    test('RFC 9700 §4.14.2 refresh rotation: every use returns a new refresh token, and the old one stops working', async () => {
      const first = await grant();
      const second = await world.refresh(first.refresh_token);
      assert.equal(second.status, 200);
      assert.notEqual(second.body.refresh_token, first.refresh_token);
      assert.notEqual(second.body.access_token, first.access_token);
      assert.equal((await world.refresh(first.refresh_token)).body.error, 'invalid_grant');
    });

    test('RFC 9700 §4.14.2 refresh reuse detection: replaying a rotated token revokes the whole grant, the attacker’s and the victim’s tokens alike', async () => {
      const first = await grant();
      const legit = (await world.refresh(first.refresh_token)).body;
      const attack = await world.refresh(first.refresh_token);
      assert.equal(attack.status, 400);
      assert.equal(attack.body.error, 'invalid_grant');
      assert.deepEqual(await world.introspect(legit.access_token), { active: false });
      assert.deepEqual(await world.introspect(first.access_token), { active: false });
      assert.equal((await world.refresh(legit.refresh_token)).body.error, 'invalid_grant', 'the newest refresh token is revoked too');
    });

    test('RFC 9700 §4.14.2 refresh reuse detection: public clients rotate too, and reuse revokes their grant', async () => {
      const first = await grant(world.spa, 'photos');
      const next = await world.refresh(first.refresh_token, world.spa);
      assert.equal(next.status, 200, JSON.stringify(next.body));
      assert.notEqual(next.body.refresh_token, first.refresh_token);
      assert.equal((await world.refresh(first.refresh_token, world.spa)).body.error, 'invalid_grant');
      assert.equal((await world.refresh(next.body.refresh_token, world.spa)).body.error, 'invalid_grant');
    });

    test('RFC 6819 §5.2.2.2 refresh binding: another client cannot use a refresh token, and its attempt leaves the owner’s grant intact', async () => {
      const tokens = await grant();
      const stolen = await world.refresh(tokens.refresh_token, thief);
      assert.equal(stolen.status, 400);
      assert.equal(stolen.body.error, 'invalid_grant');
      assert.equal((await world.refresh(tokens.refresh_token, world.spa)).body.error, 'invalid_grant', 'a public client cannot either');
      const own = await world.refresh(tokens.refresh_token);
      assert.equal(own.status, 200, 'the owner still refreshes');
    });

    test('RFC 6819 §5.1.5.1 refresh scope: a refresh may narrow the scope, never widen it', async () => {
      const tokens = await grant(world.web, 'photos');
      const wider = await world.refresh(tokens.refresh_token, world.web, { scope: 'photos orders' });
      assert.equal(wider.body.error, 'invalid_scope');
      const unknown = await world.refresh(tokens.refresh_token, world.web, { scope: 'admin' });
      assert.equal(unknown.body.error, 'invalid_scope');
      const same = await world.refresh(tokens.refresh_token, world.web, { scope: 'photos' });
      assert.equal(same.status, 200);
      assert.equal(same.body.scope, 'photos');
    });

    test('RFC 6819 §5.2.2.1 restricted issuance: no refresh token for client_credentials, nor for clients without the refresh_token grant', async () => {
      const machine = await world.register({ client_name: 'Machine', grant_types: ['client_credentials'], response_types: [], scope: 'photos' });
      const cc = await request(`${world.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(machine.id, machine.secret) }));
      assert.equal(cc.status, 200);
      assert.equal(cc.body.refresh_token, undefined);
      const codeOnly = await world.register({ client_name: 'Code only', redirect_uris: ['https://app.example/cb'], grant_types: ['authorization_code'], scope: 'photos' });
      const { code, verifier } = await world.getCode(codeOnly, { scope: 'photos' });
      const tokens = await world.exchange(code, verifier, codeOnly);
      assert.equal(tokens.status, 200);
      assert.equal(tokens.body.refresh_token, undefined);
    });

    test('RFC 6819 §5.2.2.4 refresh revocation: revoking a refresh token ends its grant; another client’s revocation changes nothing', async () => {
      const tokens = await grant();
      const bystander = await revoke(tokens.refresh_token, thief);
      assert.equal(bystander.status, 200, 'RFC 7009 §2.2: the same answer either way');
      assert.equal((await world.introspect(tokens.access_token)).active, true);
      assert.equal((await revoke(tokens.refresh_token, world.web)).status, 200);
      assert.equal((await world.refresh(tokens.refresh_token)).body.error, 'invalid_grant');
      assert.deepEqual(await world.introspect(tokens.access_token), { active: false });
    });

    test('RFC 6819 §5.2.2.3 refresh and client state: a deactivated client’s refresh tokens stop working', async () => {
      const client = await world.register({ client_name: 'Soon off', redirect_uris: ['https://app.example/cb'], grant_types: ['authorization_code', 'refresh_token'], scope: 'photos', refresh_token_limit: null });
      const tokens = await grant(client, 'photos');
      assert.equal((await world.adminApi(`/clients/${client.id}`, json('PATCH', { active: false }, bearer(world.admin)))).status, 200);
      const refused = await world.refresh(tokens.refresh_token, client);
      assert.equal(refused.body.error, 'invalid_client');
    });

    test('RFC 6819 §4.5.2, §4.5.3 refresh storage and guessing: refresh tokens are stored as keyed hashes; made-up ones are invalid_grant', async () => {
      const tokens = await grant();
      assert.match(tokens.refresh_token, /^ghr_/);
      assert.equal(await world.server.gh.store.grants.getRefresh([tokens.refresh_token]), undefined, 'the token itself is not a storage key');
      for (const guess of ['ghr_', 'ghr_AAAA', tokens.refresh_token.slice(0, -1), `${tokens.refresh_token}x`]) {
        assert.equal((await world.refresh(guess)).body.error, 'invalid_grant', guess);
      }
      assert.equal((await world.refresh(tokens.refresh_token)).status, 200, 'guesses did not disturb the real token');
    });
  });
}
