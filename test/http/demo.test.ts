/**
 * The README's round trip: `gatehouse serve` seeds seed 003's PhotoStorage behind the gateway on
 * one SQLite node; on PostgreSQL, whose store several nodes share, it seeds nothing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testDatabases } from '../helpers/databases.js';
import { baseEnv, freePort, spawnServer } from '../helpers/server.js';
import { basic, bearer, form, request } from '../helpers/oauth.js';

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
          assert.equal((await request(gateway)).status, 404, 'no demo service');
          return;
        }
        const credentials = JSON.parse(fs.readFileSync(credentialsFile, 'utf8')) as { client_id: string; client_secret: string };
        assert.equal(fs.statSync(credentialsFile).mode & 0o777, 0o600);
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
  });
}
