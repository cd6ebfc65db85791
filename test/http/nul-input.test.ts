/**
 * NUL characters in requests (found by the fuzzers on PostgreSQL, whose text cannot hold them):
 * refused as bad requests in each endpoint's own format on both databases, never a 500, and
 * nothing stored.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';

for (const database of testDatabases()) {
  describe(`NUL in requests on ${database.name}`, () => {
    let server: TestServer;
    let admin: string;
    before(async () => {
      server = await startServer(await database.create());
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
    });
    after(() => server.close());

    test('admin API: in a path id, the query or a JSON body → 400 problem JSON, nothing created', async () => {
      for (const [path, init] of [
        ['/clients/x%00', { headers: bearer(admin) }],
        ['/tokens?client_id=a%00b', { headers: bearer(admin) }],
        ['/scopes', json('POST', { name: 'nul\u0000scope', services: ['/n/**'] }, bearer(admin))],
      ] as const) {
        const response = await request(`${server.url}/admin/api/v1${path}`, init);
        assert.equal(response.status, 400, `${path}: ${JSON.stringify(response.body)}`);
        assert.match(String(response.headers.get('content-type')), /^application\/problem\+json/, path);
      }
      const scopes = await request(`${server.url}/admin/api/v1/scopes?limit=500`, { headers: bearer(admin) });
      assert.ok(!(scopes.body.items as { name: string }[]).some((scope) => scope.name.startsWith('nul')), 'no scope was created');
    });

    test('OAuth endpoints: in a form field, Basic credentials or the tenant segment → 4xx OAuth JSON', async () => {
      const basicWithNul = `Basic ${Buffer.from('a\u0000b:secret').toString('base64')}`;
      const cases: [string, RequestInit, number, string][] = [
        ['/oauth/token', form({ grant_type: 'client_credentials', client_id: 'a\u0000b', client_secret: 'x' }), 400, 'invalid_request'],
        ['/oauth/token', form({ grant_type: 'client_credentials' }, { authorization: basicWithNul }), 401, 'invalid_client'],
        ['/t/x%00/oauth/token', form({ grant_type: 'client_credentials' }), 400, 'invalid_request'],
      ];
      for (const [path, init, status, error] of cases) {
        const response = await request(`${server.url}${path}`, init);
        assert.equal(response.status, status, `${path}: ${JSON.stringify(response.body)}`);
        assert.equal(response.body.error, error, path);
      }
    });
  });
}
