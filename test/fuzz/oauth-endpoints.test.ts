/**
 * Property-based fuzzing of the OAuth endpoints (token and its GAM aliases, introspection,
 * revocation, userinfo, registration, discovery, JWKS, the API-key endpoints): whatever the
 * parameters, headers and body, no 5xx, no internals in the body, and a refused request leaves
 * the store unchanged. FUZZ_RUNS sets the runs per property (test/fuzz/run.ts for the long run).
 */
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fuzzRuns } from './probe.js';
import { useFuzzTarget } from './suite.js';
import { testDatabases } from '../helpers/databases.js';
import { assemble, authorization, body, extraHeaders, headerText, query, tenantPrefix } from './inputs.js';

for (const database of testDatabases()) {
  describe(`fuzz: OAuth endpoints on ${database.name}`, () => {
    const fuzz = useFuzzTarget('OAuth endpoints', database);

    /** One property: `paths` under any tenant prefix, with any method of `methods`. */
    function endpointProperty(paths: string[], methods: string[]) {
      return fc.asyncProperty(
        fc.constantFrom(...methods),
        tenantPrefix,
        fc.constantFrom(...paths),
        query(fuzz.target),
        authorization(fuzz.target),
        extraHeaders,
        body(fuzz.target),
        async (method, prefix, path, q, auth, extra, payload) => {
          await fuzz.prober.send(fuzz.target.url, assemble(method, `${prefix}${path}${q}`, auth, extra, payload));
        },
      );
    }

    test('token endpoint and its GAM aliases: no 5xx, no internals, no state change on refusal', async () => {
      await fc.assert(endpointProperty(['/oauth/token', '/oauth/access_token', '/oauth/gam/v2.0/access_token', '/integration/rest/oAuth/getToken'], ['POST', 'POST', 'POST', 'GET', 'PUT']), fuzzRuns());
    });

    test('introspection and revocation: no 5xx, no internals, no state change on refusal', async () => {
      await fc.assert(endpointProperty(['/oauth/introspect', '/oauth/revoke'], ['POST', 'POST', 'GET', 'DELETE']), fuzzRuns());
    });

    test('userinfo (and GAM’s): no 5xx, no internals, no state change on refusal', async () => {
      await fc.assert(endpointProperty(['/oauth/userinfo', '/oauth/gam/v2.0/userinfo'], ['GET', 'POST', 'PUT']), fuzzRuns());
    });

    test('registration (RFC 7591/7592): no 5xx, no internals, no state change on refusal', async () => {
      const path = fc.oneof(fc.constant('/oauth/register'), fc.oneof(fc.constant(fuzz.target.web.id), headerText.map(encodeURIComponent)).map((id) => `/oauth/register/${id}`));
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('POST', 'POST', 'GET', 'PUT', 'DELETE'), tenantPrefix, path, authorization(fuzz.target), body(fuzz.target, ['client_name', 'redirect_uris', 'grant_types', 'response_types', 'token_endpoint_auth_method', 'scope', 'client_version', 'access_token_lifetime', 'refresh_token_limit', 'require_pkce', 'active', 'api_key_enabled', 'api_key_timeout_hours', 'client_id', 'client_secret']), async (method, prefix, p, auth, payload) => {
          // A PUT or DELETE of the fuzz target's own client would change what the other properties rely on.
          if (method !== 'GET' && p.endsWith(fuzz.target.web.id)) return;
          await fuzz.prober.send(fuzz.target.url, assemble(method, `${prefix}${p}`, auth, {}, payload));
        }),
        fuzzRuns(),
      );
    });

    test('discovery, JWKS and the API-key endpoints: no 5xx, no internals, no state change on refusal', async () => {
      await fc.assert(
        endpointProperty(['/oauth/jwks', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server/t/acme', '/oauth/api-keys', '/oauth/api-keys/x', '/healthz', '/readyz', '/nowhere'], ['GET', 'POST', 'DELETE', 'OPTIONS', 'HEAD']),
        fuzzRuns(),
      );
    });
  });
}
