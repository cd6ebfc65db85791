/**
 * HTTP semantics that every area shares, on a real server, at the root and under a tenant: a
 * method a path does not serve answers 405 with Allow (RFC 9110 §15.5.6), 413 and 415 are named
 * for their status, text the store cannot keep is refused, and the metadata and the OpenAPI
 * document describe what the server really does, each tenant its own.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, startServer, type TestServer } from '../helpers/server.js';
import { bearer, clientCredentialsToken, form, json, request, type JsonResponse } from '../helpers/oauth.js';

const TENANT = 'semantics';
const PREFIXES = ['', `/t/${TENANT}`];

function assertProblem(response: JsonResponse, status: number, type: string, title: string): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.match(String(response.headers.get('content-type')), /^application\/problem\+json/);
  assert.equal(response.body.type, `urn:gatehouse:problem:${type}`);
  assert.equal(response.body.title, title);
  assert.equal(response.body.status, status);
}

function assertOAuthError(response: JsonResponse, status: number, error: string): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.match(String(response.headers.get('content-type')), /^application\/json/);
  assert.equal(response.body.error, error);
  assert.equal(typeof response.body.error_description, 'string');
}

for (const database of testDatabases()) {
  describe(`HTTP semantics on ${database.name}`, () => {
    let server: TestServer;
    let admin: string;

    before(async () => {
      server = await startServer(await database.create());
      admin = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
      const created = await request(`${server.url}/admin/api/v1/tenants`, json('POST', { id: TENANT, name: 'Semantics' }, bearer(admin)));
      assert.equal(created.status, 201, JSON.stringify(created.body));
    });
    after(() => server.close());

    describe('405 Method Not Allowed', () => {
      test('OAuth endpoints: RFC 6749 JSON with Allow naming the methods the path serves', async () => {
        for (const prefix of PREFIXES) {
          for (const [method, path] of [
            ['GET', '/oauth/introspect'],
            ['GET', '/oauth/revoke'],
            ['DELETE', '/oauth/revoke'],
          ]) {
            const response = await request(`${server.url}${prefix}${path}`, { method });
            assertOAuthError(response, 405, 'invalid_request');
            assert.equal(response.headers.get('allow'), 'POST', `${method} ${prefix}${path}`);
            assert.equal(response.headers.get('cache-control'), 'no-store');
          }
          const put = await request(`${server.url}${prefix}/oauth/token`, { method: 'PUT' });
          assertOAuthError(put, 405, 'invalid_request');
          assert.equal(put.headers.get('allow'), 'POST');
        }
      });

      test('admin API: problem JSON with Allow, OPTIONS included (no CORS here)', async () => {
        for (const prefix of PREFIXES) {
          const api = `${server.url}${prefix}/admin/api/v1`;
          for (const [method, path, allow] of [
            ['PUT', '/settings', 'GET, HEAD, PATCH'],
            ['OPTIONS', '/clients', 'GET, HEAD, POST'],
            ['PUT', `/clients/${ADMIN_ID}`, 'DELETE, GET, HEAD, PATCH'],
            ['GET', `/clients/${ADMIN_ID}/secret`, 'POST'],
          ] as const) {
            const response = await request(`${api}${path}`, { method, headers: bearer(admin) });
            assertProblem(response, 405, 'method-not-allowed', 'Method not allowed');
            assert.equal(response.headers.get('allow'), allow, `${method} ${prefix}${path}`);
            assert.equal(response.body.instance, `${prefix}/admin/api/v1${path}`);
          }
          // Authentication comes first, as for any other request to the API.
          assert.equal((await request(`${api}/settings`, { method: 'PUT' })).status, 401);
        }
      });

      test('a path no route serves is still a 404, in each area’s format', async () => {
        assertProblem(await request(`${server.url}/admin/api/v1/nothing`, { method: 'PUT', headers: bearer(admin) }), 404, 'not-found', 'Not found');
        const oauth = await request(`${server.url}/oauth/nothing`, { method: 'PUT' });
        assert.equal(oauth.status, 404);
        assert.equal(oauth.headers.get('allow'), null);
        // A trailing slash is another path, which no route serves.
        assert.equal((await request(`${server.url}/oauth/revoke/`, { method: 'GET' })).status, 404);
        // Under a tenant that does not exist nothing is served, whatever the method.
        for (const path of ['/t/nope/oauth/revoke', '/t/default/oauth/revoke', '/t/NOPE!/oauth/revoke']) {
          const unknown = await request(`${server.url}${path}`, { method: 'GET' });
          assert.equal(unknown.status, 404, path);
          assert.equal(unknown.headers.get('allow'), null, path);
        }
        assertProblem(await request(`${server.url}/t/nope/admin/api/v1/settings`, { method: 'PUT', headers: bearer(admin) }), 404, 'not-found', 'Not found');
      });
    });

    test('413 and 415: problems named for their status on the admin API, invalid_request on OAuth endpoints', async () => {
      const oversized = 'a'.repeat(300 * 1024);
      const clients = `${server.url}/admin/api/v1/clients`;
      assertProblem(await request(clients, json('POST', { client_name: oversized }, bearer(admin))), 413, 'payload-too-large', 'Payload too large');
      assertProblem(
        await request(clients, { method: 'POST', headers: { ...bearer(admin), 'content-type': 'application/xml' }, body: '<client/>' }),
        415,
        'unsupported-media-type',
        'Unsupported media type',
      );
      const token = `${server.url}/oauth/token`;
      assertOAuthError(await request(token, form({ grant_type: 'client_credentials', padding: oversized })), 413, 'invalid_request');
      assertOAuthError(await request(token, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<token/>' }), 415, 'invalid_request');
    });

    describe('text the store cannot keep', () => {
      // JSON.stringify writes a lone surrogate as the escape "\ud800", as a client would send it.
      const lone = 'surrogate-\ud800';

      test('admin API: an unpaired surrogate → 400 naming the field, nothing stored', async () => {
        const clients = `${server.url}/admin/api/v1/clients`;
        for (const [body, field] of [
          [{ client_name: lone, grant_types: ['client_credentials'] }, 'client_name'],
          [{ client_name: 'surrogate-uri', redirect_uris: ['https://app.example/cb', `https://app.example/\udc00`] }, 'redirect_uris[1]'],
        ] as const) {
          const response = await request(clients, json('POST', body, bearer(admin)));
          assertProblem(response, 400, 'validation-failed', 'Validation failed');
          assert.deepEqual(response.body.errors, [{ field, message: 'must not contain unpaired UTF-16 surrogates' }]);
        }
        const scopeUrl = `${server.url}/admin/api/v1/scopes/admin`;
        const before = (await request(scopeUrl, { headers: bearer(admin) })).body.description;
        const patched = await request(scopeUrl, json('PATCH', { description: lone }, bearer(admin)));
        assertProblem(patched, 400, 'validation-failed', 'Validation failed');
        assert.equal(patched.body.errors[0].field, 'description');
        assert.equal((await request(scopeUrl, { headers: bearer(admin) })).body.description, before, 'the scope is unchanged');
        const listed = await request(`${clients}?limit=500`, { headers: bearer(admin) });
        assert.ok(!(listed.body.items as { client_name: string }[]).some((client) => client.client_name.startsWith('surrogate')), 'no client was created');
      });

      test('registration: invalid_client_metadata, for a surrogate and a NUL alike', async () => {
        for (const prefix of PREFIXES) {
          for (const client_name of [lone, 'nul-\u0000']) {
            const response = await request(`${server.url}${prefix}/oauth/register`, json('POST', { client_name, grant_types: ['client_credentials'] }, bearer(admin)));
            assertOAuthError(response, 400, 'invalid_client_metadata');
            assert.match(response.body.error_description, /^client_name: /);
          }
        }
      });

      test('well-formed text outside the BMP (a surrogate pair) is kept as sent', async () => {
        const description = 'photos 📷 and 𝄞';
        const created = await request(`${server.url}/admin/api/v1/scopes`, json('POST', { name: 'astral', description, services: ['/astral/**'] }, bearer(admin)));
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal((await request(`${server.url}/admin/api/v1/scopes/astral`, { headers: bearer(admin) })).body.description, description);
      });
    });

    test('metadata: revocation open to public clients, introspection not; each tenant documents its own API', async () => {
      for (const prefix of PREFIXES) {
        const issuer = `${server.url}${prefix}`;
        const metadata = (await request(`${issuer}/.well-known/openid-configuration`)).body;
        assert.deepEqual(metadata.revocation_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none']);
        assert.deepEqual(metadata.introspection_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
        assert.equal(metadata.service_documentation, `${issuer}/admin/api/v1/openapi.json`);
        const documentation = await request(metadata.service_documentation);
        assert.equal(documentation.status, 200);
        assert.equal(documentation.body.servers[0].url, `${issuer}/admin/api/v1`);

        // What is advertised is true: a public client revokes with its client_id alone, and cannot introspect.
        const registered = await request(
          `${issuer}/admin/api/v1/clients`,
          json('POST', { client_name: 'public app', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], redirect_uris: ['http://127.0.0.1/cb'] }, bearer(admin)),
        );
        assert.equal(registered.status, 201, JSON.stringify(registered.body));
        const publicClient = { client_id: registered.body.client_id as string, token: 'not-a-token-of-this-client' };
        assert.equal((await request(metadata.revocation_endpoint, form(publicClient))).status, 200);
        assertOAuthError(await request(metadata.introspection_endpoint, form(publicClient)), 401, 'invalid_client');
      }
    });

    describe('OpenAPI', () => {
      test('each tenant’s document is valid and names the tenant’s own URL; errors are documented as problem JSON', async () => {
        for (const prefix of PREFIXES) {
          const api = `${server.url}${prefix}/admin/api/v1`;
          const doc = (await request(`${api}/openapi.json`)).body;
          await SwaggerParser.validate(structuredClone(doc));
          assert.deepEqual(doc.servers, [{ url: api }]);
          let errorResponses = 0;
          for (const [path, operations] of Object.entries<Record<string, { responses: Record<string, { content?: object }> }>>(doc.paths)) {
            for (const [method, operation] of Object.entries(operations)) {
              for (const [status, response] of Object.entries(operation.responses)) {
                if (Number(status) < 400) continue;
                errorResponses++;
                assert.deepEqual(Object.keys(response.content ?? {}), ['application/problem+json'], `${method} ${path} ${status}`);
              }
            }
          }
          assert.ok(errorResponses > 50);
          // As documented: a 404 of the API is sent as application/problem+json.
          assertProblem(await request(`${api}/clients/no-such-client`, { headers: bearer(admin) }), 404, 'not-found', 'Not found');
        }
      });

      test(
        'an optional body is documented as not required (POST /clients/{clientId}/secret)',
        async () => {
          const doc = (await request(`${server.url}/admin/api/v1/openapi.json`)).body;
          assert.equal(doc.paths['/clients/{clientId}/secret'].post.requestBody.required, false);
          assert.equal(doc.paths['/clients'].post.requestBody.required, true);
        },
      );

      test('the secret rotation works without a body, as the document will say', async () => {
        const registered = await request(`${server.url}/admin/api/v1/clients`, json('POST', { client_name: 'rotated', grant_types: ['client_credentials'] }, bearer(admin)));
        assert.equal(registered.status, 201, JSON.stringify(registered.body));
        const rotated = await request(`${server.url}/admin/api/v1/clients/${registered.body.client_id}/secret`, { method: 'POST', headers: bearer(admin) });
        assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
        assert.equal(typeof rotated.body.client_secret, 'string');
      });
    });
  });
}
