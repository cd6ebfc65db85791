/**
 * Property-based fuzzing of the gateway: paths under a service and elsewhere, with encoded
 * separators, dot-segments, NUL and invalid UTF-8, any method, any Authorization header, any body.
 * No 5xx, no internals; the gateway never changes the store.
 */
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SERVICE_PREFIX } from './target.js';
import { fuzzRuns } from './probe.js';
import { useFuzzTarget } from './suite.js';
import { testDatabases } from '../helpers/databases.js';
import { assemble, authorization, body, extraHeaders, invalidUtf8, query } from './inputs.js';

for (const database of testDatabases()) {
  describe(`fuzz: gateway on ${database.name}`, () => {
    const fuzz = useFuzzTarget('gateway', database);

    test('any path, method, token and body: no 5xx, no internals, no state change', async () => {
      const segment = fc.oneof(
        fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/),
        fc.constantFrom('..', '.', '%2e%2e', '%2E', '%2f', '%5c', '%00', '..;', ';', '%252e%252e', '\\', '//', '*', '**'),
        invalidUtf8,
      );
      const path = fc.tuple(fc.constantFrom(SERVICE_PREFIX, SERVICE_PREFIX, '', '/other', `${SERVICE_PREFIX}x`), fc.array(segment, { maxLength: 6 })).map(([prefix, segments]) => `${prefix}/${segments.join('/')}`);
      const auth = fc.oneof({ weight: 2, arbitrary: fc.constant(`Bearer ${fuzz.target.known.accessToken}`) }, { weight: 2, arbitrary: authorization(fuzz.target) });
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'), path, query(fuzz.target), auth, extraHeaders, body(fuzz.target), async (method, p, q, a, extra, payload) => {
          await fuzz.prober.send(fuzz.target.gateway, assemble(method, `${p}${q}`, a, extra, payload));
        }),
        fuzzRuns(2),
      );
    });
  });
}
