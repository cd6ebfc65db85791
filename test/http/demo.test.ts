/**
 * The README's round trip: `gatehouse serve` seeds seed 003's PhotoStorage behind the gateway on
 * one SQLite node; on PostgreSQL, whose store several nodes share, it seeds nothing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { testDatabases } from '../helpers/databases.js';
import { within } from '../helpers/deadline.js';
import { baseEnv, freePort, spawnServer, type ChildServer } from '../helpers/server.js';
import { basic, bearer, form, request } from '../helpers/oauth.js';

const QUICK_START = 'Demo quick start:';

/** The quick-start block the server prints once both ports listen, which may be just after /readyz answers. */
async function quickStart(server: ChildServer): Promise<string> {
  assert.ok(await within(5000, async () => server.output().includes(QUICK_START)), `a quick start in:\n${server.output()}`);
  return server.output().slice(server.output().indexOf(QUICK_START));
}

/** What the quick start tells a person: the demo's address, the credentials file, the README's commands. */
function assertQuickStart(text: string, server: ChildServer, gatewayPort: number, credentialsFile: string): void {
  const photos = `http://127.0.0.1:${gatewayPort}/demo/photos`;
  assert.ok(text.startsWith(`${QUICK_START} PhotoStorage is behind the gateway at ${photos}`), text);
  assert.ok(text.includes(`credentials are in ${credentialsFile}`), text);
  assert.ok(text.includes(`CRED=$(node -p 'const c=require(${JSON.stringify(credentialsFile)}); c.client_id+":"+c.client_secret')`), text);
  assert.ok(text.includes(`TOKEN=$(curl -s -u "$CRED" -d grant_type=client_credentials ${server.url}/oauth/token | node -p`), text);
  assert.ok(text.includes(`curl -H "Authorization: Bearer $TOKEN" ${photos}`), text);
  const { client_secret } = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as { client_secret: string };
  assert.equal(server.output().includes(client_secret), false, 'the secret itself is never printed');
}

for (const database of testDatabases()) {
  describe(`the demo on ${database.name}`, () => {
    test(database.name === 'sqlite' ? 'a token for the demo client reads the photos; no token → 401, DELETE → 403 insufficient_scope' : 'not seeded: nodes share the store', async () => {
      const gatewayPort = await freePort();
      const env = baseEnv(await database.create(), { GATEHOUSE_DEMO: '1', GATEWAY_PORT: String(gatewayPort), GATEHOUSE_LOG_LEVEL: 'info' });
      const server = await spawnServer(env);
      try {
        const gateway = `http://127.0.0.1:${gatewayPort}/demo/photos`;
        const credentialsFile = path.join(env.GATEHOUSE_DATA_DIR!, 'demo-credentials.json');
        if (database.name !== 'sqlite') {
          assert.equal(fs.existsSync(credentialsFile), false);
          assert.match(server.output(), /demo: not seeded on PostgreSQL/);
          assert.equal(server.output().includes(QUICK_START), false);
          assert.equal((await request(gateway)).status, 404, 'no demo service');
          return;
        }
        const credentials = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as { client_id: string; client_secret: string };
        assert.equal(fs.statSync(credentialsFile).mode & 0o777, 0o600);
        assertQuickStart(await quickStart(server), server, gatewayPort, credentialsFile);
        assert.match(server.output(), /"msg":"demo: PhotoStorage under /, 'the log line stays');
        const token = await request(`${server.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(credentials.client_id, credentials.client_secret) }));
        assert.equal(token.status, 200, JSON.stringify(token.body));
        assert.equal(token.body.scope, 'photos.read');
        const photos = await request(gateway, { headers: bearer(token.body.access_token) });
        assert.equal(photos.status, 200);
        assert.equal(photos.body.photos.length, 3);
        assert.equal((await request(gateway)).status, 401);
        const deleted = await request(`${gateway}/1`, { method: 'DELETE', headers: bearer(token.body.access_token) });
        assert.equal(deleted.status, 403);
        assert.match(deleted.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
      } finally {
        server.process.kill('SIGTERM');
        await server.exited;
      }
    });

    if (database.name === 'sqlite') {
      test('the quick start is printed at GATEHOUSE_LOG_LEVEL=warn too, and its commands run as printed', async () => {
        const gatewayPort = await freePort();
        const env = baseEnv(await database.create(), { GATEHOUSE_DEMO: '1', GATEWAY_PORT: String(gatewayPort), GATEHOUSE_LOG_LEVEL: 'warn' });
        const server = await spawnServer(env);
        try {
          const text = await quickStart(server);
          assertQuickStart(text, server, gatewayPort, path.join(env.GATEHOUSE_DATA_DIR!, 'demo-credentials.json'));
          const commands = text.split('\n').filter((line) => line.startsWith('  ')).map((line) => line.trim());
          const answer = JSON.parse(execFileSync('sh', ['-c', commands.join('\n')], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] })) as { photos: unknown[] };
          assert.equal(answer.photos.length, 3);
        } finally {
          server.process.kill('SIGTERM');
          await server.exited;
        }
      });
    }
  });
}
