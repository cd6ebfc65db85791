/**
 * Signing key rotation under load (INTERFACE.md, key-ring.ts): a rotated key is published in the
 * JWKS at once and signs only after GATEHOUSE_KEY_ACTIVATION_DELAY, so a verifier that refetches
 * the JWKS on an unknown kid (jose's createRemoteJWKSet) never fails; the previous key stays
 * published, so its tokens keep verifying and introspecting. Also `gatehouse keys rotate` (the
 * CLI) against a running server, and the retirement rule of superseded keys.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, runCli, startServer, type TestServer } from '../helpers/server.js';
import { basic, clientCredentialsToken, form, request } from '../helpers/oauth.js';
import { forEachConcurrent } from '../helpers/load.js';
import { defaultSettings } from '../../src/domain/tenant.js';
import type { SigningKeyRow, TokenRow } from '../../src/store/schema.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowS = () => Math.floor(Date.now() / 1000);

interface Received {
  token: string;
  kid: string;
  iat: number;
  receivedAt: number;
}

async function jwksKids(url: string, tenantPath = ''): Promise<string[]> {
  const response = await request(`${url}${tenantPath}/oauth/jwks`);
  assert.equal(response.status, 200);
  return (response.body.keys as { kid: string }[]).map((k) => k.kid);
}

async function introspect(url: string, token: string): Promise<boolean> {
  const response = await request(`${url}/oauth/introspect`, form({ token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
  assert.equal(response.status, 200);
  return response.body.active === true;
}

for (const database of testDatabases()) {
  describe(`signing key rotation on ${database.name}`, () => {
    let server: TestServer;
    let verifyOptions: { typ: string; issuer: string; audience: string; algorithms: string[] };

    before(async () => {
      server = await startServer(await database.create(), { GATEHOUSE_KEY_ACTIVATION_DELAY: '2' });
      verifyOptions = { typ: 'at+jwt', issuer: server.url, audience: `${server.url}/gateway`, algorithms: ['ES256'] };
    });
    after(async () => {
      await server?.close();
    });

    test('rotation under load: published before it signs, no verification failure, old tokens stay valid', async () => {
      const [oldKid, ...others] = await jwksKids(server.url);
      assert.ok(oldKid);
      assert.deepEqual(others, [], 'a new server publishes one key');

      // A verifier like a resource server: caches the JWKS and refetches it on an unknown kid.
      const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth/jwks`), { cooldownDuration: 50, cacheMaxAge: 10 * 60_000 });
      const received: Received[] = [];
      const failures: string[] = [];
      let stop = false;
      const loop = async () => {
        while (!stop) {
          const response = await request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
          if (response.status !== 200) {
            failures.push(`token request: ${response.status} ${JSON.stringify(response.body)}`);
            continue;
          }
          const token: string = response.body.access_token;
          const receivedAt = Date.now();
          const kid = decodeProtectedHeader(token).kid!;
          try {
            await jwtVerify(token, jwks, verifyOptions);
          } catch (error) {
            failures.push(`kid ${kid}: ${String(error)}`);
          }
          received.push({ token, kid, iat: decodeJwt(token).iat!, receivedAt });
        }
      };
      const loops = Array.from({ length: 4 }, loop);
      try {
        await sleep(800);
        // Rotate just after a second boundary: activation is at the next whole second plus the
        // delay, which leaves most of a second to look at the key before it signs.
        while (Date.now() % 1000 > 100) await sleep(5);
        const rotatedAt = Date.now();
        const { kid: newKid, activatesAt } = await server.gh.keys.rotate('default');
        assert.notEqual(newKid, oldKid);

        const kidsBeforeActivation = await jwksKids(server.url);
        const early = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
        const checkedAt = Date.now();
        assert.ok(checkedAt < activatesAt * 1000, `the pre-activation checks ran before activation (${activatesAt * 1000 - checkedAt} ms left; machine too slow?)`);
        assert.deepEqual(kidsBeforeActivation.sort(), [oldKid, newKid].sort(), 'the new key is published before it signs');
        assert.equal(decodeProtectedHeader(early).kid, oldKid, 'before activation, tokens are still signed with the old key');

        // Keep the load running for a while after activation.
        while (Date.now() < activatesAt * 1000 + 1200) await sleep(50);
        stop = true;
        await Promise.all(loops);

        const late = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
        assert.equal(decodeProtectedHeader(late).kid, newKid, 'after activation, tokens carry the new kid');

        assert.deepEqual(failures, [], 'no token failed verification during the rotation');
        const before = received.filter((r) => r.receivedAt < rotatedAt);
        const oldKidTokens = received.filter((r) => r.kid === oldKid);
        const newKidTokens = received.filter((r) => r.kid === newKid);
        console.log(`# ${database.name}: ${received.length} tokens verified during rotation: ${oldKidTokens.length} old kid, ${newKidTokens.length} new kid`);
        assert.equal(oldKidTokens.length + newKidTokens.length, received.length, 'only the two keys signed');
        assert.ok(before.length > 0 && before.every((r) => r.kid === oldKid), 'tokens received before the rotation carry the old kid');
        const wrongAfterActivation = received.filter((r) => r.iat >= activatesAt && r.kid !== newKid);
        assert.equal(wrongAfterActivation.length, 0, 'every token issued from the activation second on carries the new kid');
        const signedTooEarly = received.filter((r) => r.kid === newKid && r.iat < activatesAt - 1);
        assert.equal(signedTooEarly.length, 0, 'the new key did not sign before its activation');
        assert.ok(newKidTokens.length > 0, 'the load saw tokens signed with the new key');

        // Old tokens still verify, also for a verifier that starts now, and still introspect active.
        assert.deepEqual((await jwksKids(server.url)).sort(), [oldKid, newKid].sort(), 'the old key stays published');
        const freshVerifier = createRemoteJWKSet(new URL(`${server.url}/oauth/jwks`));
        for (const r of [...oldKidTokens.slice(0, 20), ...oldKidTokens.slice(-20)]) await jwtVerify(r.token, freshVerifier, verifyOptions);
        const sample = [...oldKidTokens.slice(0, 50), ...oldKidTokens.slice(-50), ...newKidTokens.slice(0, 50), ...newKidTokens.slice(-50)];
        const inactive: string[] = [];
        await forEachConcurrent(sample, 8, async (r) => {
          if (!(await introspect(server.url, r.token))) inactive.push(r.kid);
        });
        assert.deepEqual(inactive, [], 'tokens of both keys introspect active');
      } finally {
        stop = true;
        await Promise.allSettled(loops);
      }
    });

    test('`gatehouse keys rotate` adds a key the running server publishes, then signs with', async () => {
      const kidsBefore = await jwksKids(server.url);
      const cli = await runCli(['keys', 'rotate'], server.env);
      assert.equal(cli.code, 0, `the CLI succeeded: ${cli.stdout}${cli.stderr}`);
      const match = /new signing key (\S+) for tenant default: published now, signing from (\S+)/.exec(cli.stdout);
      assert.ok(match, `the output names the new kid: ${cli.stdout}`);
      const newKid = match[1]!;
      const activatesAtMs = Date.parse(match[2]!);
      assert.ok(!kidsBefore.includes(newKid));

      // The running server learns of it through the change feed (polled at least every second).
      let kids = await jwksKids(server.url);
      for (let deadline = Date.now() + 5000; !kids.includes(newKid) && Date.now() < deadline; kids = await jwksKids(server.url)) await sleep(100);
      assert.ok(kids.includes(newKid), 'the running server publishes the key the CLI added');
      for (const kid of kidsBefore) assert.ok(kids.includes(kid), 'earlier keys stay published');

      await sleep(Math.max(0, activatesAtMs - Date.now()) + 100);
      const token = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      assert.equal(decodeProtectedHeader(token).kid, newKid, 'after activation the server signs with the CLI’s key');
      await jwtVerify(token, createRemoteJWKSet(new URL(`${server.url}/oauth/jwks`)), verifyOptions);
      assert.equal(await introspect(server.url, token), true);
    });

    test('retirement: a superseded key stays published until its last token expires (+ grace), then leaves the JWKS', async () => {
      // Back-dated keys inserted through the store: the rule needs keys activated more than the
      // 60 s grace ago, which a test cannot wait for. The private keys are real and sealed with
      // the server secret, exactly as the key ring stores them.
      const tenantId = 'retire-test';
      const { gh } = server;
      const now = nowS();
      await gh.store.tenants.insertIfMissing({ id: tenantId, name: 'Retirement', settings: defaultSettings(), createdAt: now - 10_000 });
      const keyRow = (kid: string, activatesAt: number, publishUntil: number | null): SigningKeyRow => {
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const jwk = publicKey.export({ format: 'jwk' });
        return {
          kid,
          tenant_id: tenantId,
          alg: 'ES256',
          public_jwk: JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }),
          private_key: gh.secret.encrypt(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
          created_at: activatesAt,
          activates_at: activatesAt,
          publish_until: publishUntil,
        };
      };
      const tokenRow = (jti: string, kid: string, expiresAt: number, revoked = false): TokenRow => ({
        jti,
        tenant_id: tenantId,
        client_id: 'some-client',
        subject: 'some-client',
        scope: '',
        grant_type: 'client_credentials',
        kid,
        issued_at: now - 100,
        expires_at: expiresAt,
        never_expires: 0,
        family_id: null,
        revoked_at: revoked ? now - 50 : null,
        revoked_reason: revoked ? 'test' : null,
      });
      const rows = {
        retired: keyRow('rt-retired', now - 9000, now - 10),
        withTokens: keyRow('rt-with-tokens', now - 7200, null),
        withoutTokens: keyRow('rt-without-tokens', now - 5400, null),
        current: keyRow('rt-current', now - 3600, null),
        pending: keyRow('rt-pending', now + 3600, null),
      };
      for (const row of Object.values(rows)) await gh.store.keys.insert(row);
      await gh.store.tokens.insertMany([
        tokenRow('rt-1', rows.withTokens.kid, now + 5000),
        tokenRow('rt-2', rows.withTokens.kid, now + 3000),
        // A revoked token does not keep its key published.
        tokenRow('rt-3', rows.withTokens.kid, now + 9000, true),
      ]);

      const tenantPath = `/t/${tenantId}`;
      const published = ['rt-with-tokens', 'rt-without-tokens', 'rt-current', 'rt-pending'].sort();
      assert.deepEqual((await jwksKids(server.url, tenantPath)).sort(), published, 'a key past its publication window is not published');
      assert.equal((await gh.keys.signingKey(tenantId)).kid, 'rt-current', 'the newest activated key signs; a pending one does not');

      await gh.keys.retireSuperseded(tenantId);
      const after = new Map((await gh.store.keys.published(tenantId, nowS())).map((row) => [row.kid, row.publish_until]));
      const withTokensUntil = after.get('rt-with-tokens');
      const withoutTokensUntil = after.get('rt-without-tokens');
      assert.equal(withTokensUntil, now + 5000 + 60, 'published until its last live token expires, plus the grace');
      assert.ok(withoutTokensUntil !== null && withoutTokensUntil !== undefined && withoutTokensUntil >= now + 60 && withoutTokensUntil <= nowS() + 60, 'a superseded key without live tokens stays for the grace only');
      assert.equal(after.get('rt-current'), null, 'the current key is not retired');
      assert.equal(after.get('rt-pending'), null, 'a pending key is not retired');
      assert.deepEqual((await jwksKids(server.url, tenantPath)).sort(), published, 'retired keys stay published during their window');

      // The publication windows, evaluated by the store at later times.
      const publishedAt = async (t: number) => (await gh.store.keys.published(tenantId, t)).map((row) => row.kid).sort();
      assert.deepEqual(await publishedAt(withoutTokensUntil! + 1), ['rt-current', 'rt-pending', 'rt-with-tokens']);
      assert.deepEqual(await publishedAt(withTokensUntil! + 1), ['rt-current', 'rt-pending']);

      // Idempotent: a second pass changes nothing.
      await gh.keys.retireSuperseded(tenantId);
      const again = new Map((await gh.store.keys.published(tenantId, nowS())).map((row) => [row.kid, row.publish_until]));
      assert.deepEqual(again, after);
    });
  });
}
