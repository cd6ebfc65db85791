/**
 * INTERFACE.md "Starting it": GATEHOUSE_ADMIN_CLIENT_ID/_SECRET name a client that, at every
 * start, is a confidential, active client_credentials client with scope admin. An administrator
 * who took that away recovers by restarting with the same variables.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer } from '../helpers/server.js';
import { basic, bearer, clientCredentialsToken, form, json, request } from '../helpers/oauth.js';

for (const database of testDatabases()) {
  describe(`bootstrap admin client on ${database.name}`, () => {
    test('deactivated, stripped of admin and of client_credentials: a restart restores it', async () => {
      const databaseUrl = await database.create();
      const first = await startServer(databaseUrl);
      const admin = await clientCredentialsToken(first.url, ADMIN_ID, ADMIN_SECRET);
      const scope = await request(`${first.url}/admin/api/v1/scopes`, json('POST', { name: 'orders', description: 'Orders', services: ['/orders/**'] }, bearer(admin)));
      assert.equal(scope.status, 201, JSON.stringify(scope.body));
      const lockedOut = await request(`${first.url}/admin/api/v1/clients/${ADMIN_ID}`, json('PATCH', { scope: 'orders', grant_types: ['password'], active: false }, bearer(admin)));
      assert.equal(lockedOut.status, 200, JSON.stringify(lockedOut.body));
      const refused = await request(`${first.url}/oauth/token`, form({ grant_type: 'client_credentials' }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
      assert.equal(refused.status, 401, 'locked out before the restart');
      await first.close();

      const second = await startServer(databaseUrl, { GATEHOUSE_SECRET_KEY: first.env.GATEHOUSE_SECRET_KEY!, GATEHOUSE_DATA_DIR: first.env.GATEHOUSE_DATA_DIR! });
      try {
        const token = await clientCredentialsToken(second.url, ADMIN_ID, ADMIN_SECRET);
        assert.deepEqual(String(decodeJwt(token).scope).split(' ').sort(), ['admin', 'orders'], 'admin is back, and what the administrator left is kept');
        const client = await request(`${second.url}/admin/api/v1/clients/${ADMIN_ID}`, { headers: bearer(token) });
        assert.equal(client.status, 200);
        assert.equal(client.body.active, true);
        assert.deepEqual(client.body.grant_types, ['password', 'client_credentials']);
        assert.equal(client.body.token_endpoint_auth_method, 'client_secret_basic');
      } finally {
        await second.close();
      }
    });
  });
}
