/**
 * Property-based fuzzing of the admin API: every resource, method, id, query and JSON body, with
 * the real admin token most of the time (so validation, not only authentication, is exercised).
 * No 5xx, no internals, and a refused request leaves the store unchanged.
 */
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fuzzRuns } from './probe.js';
import { useFuzzTarget } from './suite.js';
import { testDatabases } from '../helpers/databases.js';
import { assemble, authorization, body, extraHeaders, headerText, query, tenantPrefix } from './inputs.js';

const RESOURCES = ['clients', 'scopes', 'users', 'tokens', 'services', 'tenants', 'settings', 'audit-events', 'keys', 'openapi.json', 'nowhere'];
const SUBRESOURCES = ['', '', '/secret', '/api-keys', '/api-keys/x', '/consents', '/consents/x'];
const FIELDS = [
  'name', 'description', 'services', 'roles', 'username', 'password', 'email', 'given_name', 'family_name', 'external_id', 'disabled', 'client_id', 'scope', 'expires_in_days',
  'path_prefix', 'upstream', 'id', 'client_name', 'redirect_uris', 'grant_types', 'active', 'require_pkce', 'allowed_grants', 'lockout', 'compat', 'rate_limits', 'refresh_token_grace_s',
  'allow_insecure_redirect_uris', 'access_token_lifetime', 'refresh_token_limit', 'limit', 'cursor', 'status', 'subject',
  'previous_secret_valid_for_s', 'expires_in_s', 'reason', 'api_keys_enabled', 'api_key_auth_types', 'api_key_allowed_auth_type', 'api_key_enabled',
];

for (const database of testDatabases()) {
  describe(`fuzz: admin API on ${database.name}`, () => {
    const fuzz = useFuzzTarget('admin API', database);

    test('every resource, method, id, query and body: no 5xx, no internals, no state change on refusal', async () => {
      // Ids are made up, never the fixtures' own, so a PATCH or DELETE that passes validation cannot
      // take away what the other requests rely on.
      const id = fc.oneof(headerText.map(encodeURIComponent), fc.constantFrom('%FF', '..', '%2e%2e', 'x%00', 'a'.repeat(600), '-1', '1e999', 'rotate'));
      const path = fc.tuple(fc.constantFrom(...RESOURCES), fc.option(id, { nil: undefined }), fc.constantFrom(...SUBRESOURCES)).map(([resource, i, sub]) => (i === undefined ? `/${resource}` : `/${resource}/${i}${sub}`));
      const auth = fc.oneof({ weight: 3, arbitrary: fc.constant(`Bearer ${fuzz.target.admin}`) }, { weight: 1, arbitrary: authorization(fuzz.target) });
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE'), tenantPrefix, path, query(fuzz.target, FIELDS), auth, extraHeaders, body(fuzz.target, FIELDS), async (method, prefix, p, q, a, extra, payload) => {
          await fuzz.prober.send(fuzz.target.url, assemble(method, `${prefix}/admin/api/v1${p}${q}`, a, extra, payload));
        }),
        fuzzRuns(2),
      );
    });
  });
}
