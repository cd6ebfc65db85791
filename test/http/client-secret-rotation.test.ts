/**
 * Client secret rotation without downtime: `POST /admin/api/v1/clients/{id}/secret` with
 * `previous_secret_valid_for_s` keeps the replaced secret working for an overlap, and with
 * `expires_in_s` gives the new secret an end (client_secret_expires_at, RFC 7591 §3.2.1). A secret
 * past its end is a failed client authentication (RFC 6749 §5.2: 401 invalid_client). Over real
 * HTTP on SQLite and PostgreSQL; the waits are a few seconds, as there is no test clock.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request, type JsonResponse } from '../helpers/oauth.js';
import { clientFindings } from '../../src/doctor/clients.js';
import { MAX_PREVIOUS_SECRET_VALIDITY_S } from '../../src/domain/client.js';

const API = '/admin/api/v1';
const nowS = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Until the clock has passed `t` (whole seconds, as stored): a secret ending at `t` is refused from then on. */
const passTime = (t: number) => sleep(Math.max(0, t * 1000 - Date.now()) + 50);

interface Registered {
  client_id: string;
  client_secret: string;
  registration_access_token: string;
}

for (const database of testDatabases()) {
  describe(`client secret rotation on ${database.name}`, () => {
    let server: TestServer;
    let admin: string;

    const api = (method: string, path: string, body?: unknown): Promise<JsonResponse> =>
      request(`${server.url}${API}${path}`, body === undefined ? { method, headers: bearer(admin) } : json(method, body, bearer(admin)));

    /** A client_credentials token request with the given secret, Basic auth: the status and error. */
    async function authenticate(clientId: string, secret: string): Promise<{ status: number; error?: string; challenge: string | null }> {
      const response = await request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(clientId, secret) }));
      return { status: response.status, error: response.body?.error, challenge: response.headers.get('www-authenticate') };
    }

    async function assertWorks(clientId: string, secret: string, message: string): Promise<void> {
      const result = await authenticate(clientId, secret);
      assert.equal(result.status, 200, `${message}: ${JSON.stringify(result)}`);
    }

    async function assertRefused(clientId: string, secret: string, message: string): Promise<void> {
      const result = await authenticate(clientId, secret);
      assert.equal(result.status, 401, `${message}: ${JSON.stringify(result)}`);
      assert.equal(result.error, 'invalid_client', message);
      assert.match(result.challenge ?? '', /^Basic realm=/, `${message}: RFC 6749 §5.2 challenge for Basic`);
    }

    async function createClient(): Promise<Registered> {
      const response = await api('POST', '/clients', { client_name: `Rotating ${randomBytes(4).toString('hex')}`, grant_types: ['client_credentials'] });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      assert.equal(response.body.client_secret_expires_at, 0);
      return response.body;
    }

    async function rotate(clientId: string, body?: unknown): Promise<{ client_id: string; client_secret: string; client_secret_expires_at: number; previous_secret_expires_at: number | null }> {
      const response = await api('POST', `/clients/${clientId}/secret`, body);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body;
    }

    before(async () => {
      server = await startServer(await database.create());
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
    });
    after(() => server?.close());

    test('with previous_secret_valid_for_s both secrets work during the overlap, only the new one after it', async () => {
      const client = await createClient();
      const before = nowS();
      const rotated = await rotate(client.client_id, { previous_secret_valid_for_s: 2 });
      assert.equal(rotated.client_id, client.client_id);
      assert.ok(rotated.client_secret.length >= 43);
      assert.notEqual(rotated.client_secret, client.client_secret);
      assert.equal(rotated.client_secret_expires_at, 0, 'the new secret does not expire');
      assert.ok(rotated.previous_secret_expires_at! >= before + 2 && rotated.previous_secret_expires_at! <= nowS() + 2, `overlap ends in 2 s: ${rotated.previous_secret_expires_at}`);

      await assertWorks(client.client_id, client.client_secret, 'the old secret during the overlap');
      await assertWorks(client.client_id, rotated.client_secret, 'the new secret during the overlap');
      const introspected = await request(`${server.url}/oauth/introspect`, form({ token: 'x' }, { authorization: basic(client.client_id, client.client_secret) }));
      assert.equal(introspected.status, 200, 'the old secret authenticates at every endpoint during the overlap');

      await passTime(rotated.previous_secret_expires_at!);
      await assertRefused(client.client_id, client.client_secret, 'the old secret after the overlap');
      await assertWorks(client.client_id, rotated.client_secret, 'the new secret after the overlap');
    });

    test('without a body, or with zeros, the old secret stops at once', async () => {
      for (const body of [undefined, {}, { previous_secret_valid_for_s: 0, expires_in_s: 0 }]) {
        const client = await createClient();
        const rotated = await rotate(client.client_id, body);
        assert.equal(rotated.previous_secret_expires_at, null, JSON.stringify(body));
        assert.equal(rotated.client_secret_expires_at, 0, JSON.stringify(body));
        await assertRefused(client.client_id, client.client_secret, `old secret, body ${JSON.stringify(body)}`);
        await assertWorks(client.client_id, rotated.client_secret, `new secret, body ${JSON.stringify(body)}`);
      }
    });

    test('with expires_in_s the new secret ends: reported in the response and in reads (admin API, RFC 7592), refused after', async () => {
      const client = await createClient();
      const before = nowS();
      const first = await rotate(client.client_id, { expires_in_s: 2 });
      const expiresAt = first.client_secret_expires_at;
      assert.ok(expiresAt >= before + 2 && expiresAt <= nowS() + 2, `expires in 2 s: ${expiresAt}`);
      const read = await api('GET', `/clients/${client.client_id}`);
      assert.equal(read.body.client_secret_expires_at, expiresAt, 'admin read');
      assert.equal(read.body.client_secret, undefined, 'a read never shows the secret');
      const registration = await request(`${server.url}/oauth/register/${client.client_id}`, { headers: bearer(client.registration_access_token) });
      assert.equal(registration.status, 200, JSON.stringify(registration.body));
      assert.equal(registration.body.client_secret_expires_at, expiresAt, 'RFC 7592 read');
      assert.equal(registration.body.client_secret, undefined);
      await assertWorks(client.client_id, first.client_secret, 'before its expiry');

      // A rotation asking for a long overlap: the replaced secret still ends when it was due to.
      const second = await rotate(client.client_id, { previous_secret_valid_for_s: 3600, expires_in_s: 4 });
      assert.equal(second.previous_secret_expires_at, expiresAt, 'an overlap never outlives the replaced secret');
      await assertWorks(client.client_id, first.client_secret, 'the replaced secret until its own expiry');

      await passTime(expiresAt);
      await assertRefused(client.client_id, first.client_secret, 'the first secret after its expiry');
      await assertWorks(client.client_id, second.client_secret, 'the second secret before its expiry');
      await passTime(second.client_secret_expires_at);
      await assertRefused(client.client_id, second.client_secret, 'the second secret after its expiry');
      const post = await request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: second.client_secret }));
      assert.equal(post.status, 401, 'client_secret_post is refused alike');
      assert.equal(post.body.error, 'invalid_client');

      // The way out: a new secret.
      const third = await rotate(client.client_id);
      await assertWorks(client.client_id, third.client_secret, 'a new secret after expiry');
    });

    test('a new rotation ends the previous overlap: only the secret being replaced is kept', async () => {
      const client = await createClient();
      const first = await rotate(client.client_id, { previous_secret_valid_for_s: 3600 });
      await assertWorks(client.client_id, client.client_secret, 'the original secret during the first overlap');
      const second = await rotate(client.client_id, { previous_secret_valid_for_s: 3600 });
      await assertRefused(client.client_id, client.client_secret, 'the original secret after a second rotation');
      await assertWorks(client.client_id, first.client_secret, 'the first replacement during the second overlap');
      await assertWorks(client.client_id, second.client_secret, 'the newest secret');
    });

    test('bad bodies: 400 problem JSON naming the field; the secret is unchanged', async () => {
      const client = await createClient();
      const bad: [unknown, string][] = [
        [{ previous_secret_valid_for_s: -1 }, 'previous_secret_valid_for_s'],
        [{ previous_secret_valid_for_s: MAX_PREVIOUS_SECRET_VALIDITY_S + 1 }, 'previous_secret_valid_for_s'],
        [{ previous_secret_valid_for_s: 1.5 }, 'previous_secret_valid_for_s'],
        [{ previous_secret_valid_for_s: '60' }, 'previous_secret_valid_for_s'],
        [{ expires_in_s: -5 }, 'expires_in_s'],
        [{ expires_in_s: null }, 'expires_in_s'],
        [{ expires_in_s: true }, 'expires_in_s'],
        [{ expires_at: 1 }, 'expires_at'],
        [[], 'body'],
      ];
      for (const [body, field] of bad) {
        const response = await api('POST', `/clients/${client.client_id}/secret`, body);
        assert.equal(response.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(response.body)}`);
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
        assert.equal(response.body.status, 400);
        const fields = (response.body.errors ?? []).map((e: { field: string }) => e.field);
        assert.ok(fields.includes(field), `${JSON.stringify(body)}: expected an error on ${field}, got ${JSON.stringify(response.body)}`);
        assert.equal(response.body.client_secret, undefined);
      }
      const notJson = await request(`${server.url}${API}/clients/${client.client_id}/secret`, { method: 'POST', headers: { ...bearer(admin), 'content-type': 'application/json' }, body: '{"expires_in_s":' });
      assert.equal(notJson.status, 400);
      assert.match(notJson.headers.get('content-type') ?? '', /^application\/problem\+json/);
      await assertWorks(client.client_id, client.client_secret, 'the secret after refused rotations');
    });

    test('the secret is shown once: never in reads, lists or the audit log', async () => {
      const client = await createClient();
      const rotated = await rotate(client.client_id, { previous_secret_valid_for_s: 60, expires_in_s: 3600 });
      const reads = [await api('GET', `/clients/${client.client_id}`), await api('GET', '/clients?limit=500'), await api('GET', '/audit-events?limit=500')];
      for (const read of reads) {
        assert.equal(read.status, 200, JSON.stringify(read.body));
        const text = JSON.stringify(read.body);
        assert.ok(!text.includes(rotated.client_secret) && !text.includes(client.client_secret), 'no secret in a read');
      }
      const audit = (reads[2]!.body.items as { action: string; target: string; detail: Record<string, unknown> }[]).find(
        (event) => event.action === 'client.secret_regenerated' && event.target === client.client_id,
      );
      assert.deepEqual(audit?.detail, { secret_expires_at: rotated.client_secret_expires_at, previous_secret_expires_at: rotated.previous_secret_expires_at });
    });

    test('gatehouse doctor reports a secret expiring within 7 days, or expired; not one due later', async () => {
      const soon = await createClient();
      const later = await createClient();
      await rotate(soon.client_id, { expires_in_s: 3 * 86_400 });
      await rotate(later.client_id, { expires_in_s: 30 * 86_400 });
      const tenant = (await server.gh.store.tenants.get('default'))!;
      const scan = async (now: number) =>
        clientFindings({
          tenant,
          adminApi: `${server.url}${API}`,
          clients: [(await server.gh.store.clients.get('default', soon.client_id))!, (await server.gh.store.clients.get('default', later.client_id))!],
          liveNeverExpiring: new Map(),
          bootstrapAdminId: undefined,
          now,
        }).filter((finding) => finding.check === 'client.secret-expiring');

      const findings = await scan(nowS());
      assert.deepEqual(
        findings.map((f) => [f.target, f.severity]),
        [[`client ${soon.client_id}`, 'medium']],
      );
      assert.match(findings[0]!.problem, /expires at .* in 72 h/);
      assert.match(findings[0]!.fix, new RegExp(`^issue a new secret and give it to the client: POST ${server.url}${API}/clients/${soon.client_id}/secret \\{`));
      const expired = await scan(nowS() + 4 * 86_400);
      assert.match(expired.find((f) => f.target === `client ${soon.client_id}`)!.problem, /expired at .*can no longer authenticate/);
    });
  });
}
