/**
 * Property-based fuzzing of the browser-facing pages: /oauth/authorize (GET and POST), the login
 * and consent forms, with real and forged request ids, CSRF tokens and cookies. No 5xx, no
 * internals, and a refused request leaves the store unchanged.
 */
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { FormClient, parseForm, type ServedForm } from '../helpers/forms.js';
import { s256 } from '../../src/oauth/pkce.js';
import { PASSWORD, USERNAME } from './target.js';
import { fuzzRuns } from './probe.js';
import { useFuzzTarget } from './suite.js';
import { testDatabases } from '../helpers/databases.js';
import { assemble, body, extraHeaders, headerText, query, tenantPrefix, value } from './inputs.js';

const AUTHORIZE_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'request', 'request_uri', 'client_secret', 'password', 'response_mode'];
const FORM_FIELDS = ['csrf', 'username', 'password', 'decision', 'scope'];

/** A served form and the cookies of the browser it was served to. */
interface Held {
  form: ServedForm;
  cookie: string;
}

for (const database of testDatabases()) {
  describe(`fuzz: sign-in pages on ${database.name}`, () => {
    const fuzz = useFuzzTarget('sign-in pages', database);
    let login: Held;
    let consent: Held;

    async function open(prompt: string, signIn: boolean): Promise<Held> {
      const browser = new FormClient(fuzz.target.url);
      const url = new URL(`${fuzz.target.url}/oauth/authorize`);
      const params = { response_type: 'code', client_id: fuzz.target.web.id, redirect_uri: fuzz.target.known.redirectUri, scope: 'photos', prompt, code_challenge: s256('v'.repeat(43)), code_challenge_method: 'S256' };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      let page = await browser.go(url.toString());
      if (signIn) page = await browser.submit(parseForm(page.body, page.url, page.response.status), { username: USERNAME, password: PASSWORD });
      return { form: parseForm(page.body, page.url, page.response.status), cookie: browser.jar.header() };
    }

    before(async () => {
      login = await open('login', false);
      consent = await open('consent', true);
    });

    test('/oauth/authorize by GET and POST: no 5xx, no internals, no state change on refusal', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('GET', 'GET', 'POST', 'PUT'), tenantPrefix, query(fuzz.target, AUTHORIZE_PARAMS), extraHeaders, body(fuzz.target, AUTHORIZE_PARAMS), async (method, prefix, q, extra, payload) => {
          await fuzz.prober.send(fuzz.target.url, assemble(method, `${prefix}/oauth/authorize${q}`, undefined, extra, payload));
        }),
        fuzzRuns(),
      );
    });

    test('login and consent forms with real and forged request ids, CSRF tokens and cookies: no 5xx, no internals, no state change on refusal', async () => {
      const requestId = fc.oneof(fc.constantFrom(new URL(login.form.action).searchParams.get('request')!, new URL(consent.form.action).searchParams.get('request')!), headerText);
      const field = fc.oneof(fc.constantFrom(login.form.hidden.csrf!, consent.form.hidden.csrf!, 'allow', 'deny', 'photos', 'openid'), value(fuzz.target));
      const form = fc.array(fc.tuple(fc.constantFrom(...FORM_FIELDS), field), { maxLength: 6 }).map((pairs) => ({ contentType: 'application/x-www-form-urlencoded', body: Buffer.from(new URLSearchParams(pairs).toString()) }));
      const cookie = fc.oneof(fc.constantFrom(login.cookie, consent.cookie, `${login.cookie}; ${consent.cookie}`, 'gh_csrf_default=x', 'gh_session_default=x; gh_csrf_default='), headerText);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('GET', 'POST', 'POST', 'POST'), tenantPrefix, fc.constantFrom('/login', '/consent'), requestId, cookie, extraHeaders, fc.oneof(form, body(fuzz.target, FORM_FIELDS)), async (method, prefix, page, id, cookieHeader, extra, payload) => {
          await fuzz.prober.send(fuzz.target.url, assemble(method, `${prefix}${page}?request=${encodeURIComponent(id)}`, undefined, { ...extra, cookie: cookieHeader }, payload));
        }),
        fuzzRuns(),
      );
    });
  });
}
