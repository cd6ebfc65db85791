/**
 * Generators of hostile HTTP input: parameter names the endpoints know and some they do not,
 * values from real credentials to invalid UTF-8, bodies as form, JSON, duplicate keys, raw bytes
 * and oversize, every content type, and Authorization headers from valid to garbage.
 */
import fc from 'fast-check';
import type { FuzzTarget } from './target.js';
import { PASSWORD, USERNAME } from './target.js';
import type { FuzzRequest } from './probe.js';

export const PARAM_NAMES = [
  'grant_type', 'client_id', 'client_secret', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope', 'username', 'password',
  'token', 'token_type_hint', 'response_type', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'prompt', 'request', 'request_uri',
  'api_key', 'authentication_type_name', 'additional_parameters', 'client_assertion', 'client_assertion_type', 'csrf', 'decision', 'access_token',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty',
];

const hex = (byte: number) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;

/** Percent-encoded bytes, mostly not UTF-8 (%FF, %C3%28, overlong %C0%AF, a lone %ED%A0%80 surrogate). */
export const invalidUtf8 = fc.oneof(
  fc.constantFrom('%FF', '%C3%28', '%C0%AF', '%ED%A0%80', '%F8%88%80%80%80', '%E2%82', '%00', '%', '%G1', '%%'),
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((bytes) => [...bytes].map(hex).join('')),
);

/** A value for any parameter: protocol words, the target's real credentials, and arbitrary text. */
export function value(target: FuzzTarget): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('authorization_code', 'client_credentials', 'password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'code', 'token', 'S256', 'plain', 'openid photos', 'photos', 'admin', 'FullControl', 'none', 'login', 'consent', 'apikey', 'allow', 'deny', '{"Repository":"acme"}', '{"Repository":{}}', '{"Repository":"nope"}', '[]', 'null', 'access_token', 'refresh_token'),
    fc.constantFrom(target.web.id, target.web.secret, target.publicId, target.known.accessToken, target.known.revokedRefreshToken, target.known.redirectUri, USERNAME, PASSWORD, 'ghc_x', `ghr_${'A'.repeat(43)}`, 'ghak_x', `${target.known.redirectUri}/../x`, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('x'.repeat(5000), '\u0000', '\uFEFF', '\uD800', 'a\r\nb', '../../etc/passwd', '<script>alert(1)</script>', "' OR 1=1 --", '%00', '1e309', '-1', '0'),
  );
}

/** Name/value pairs: repeated names allowed, so duplicates are generated too. */
export const pairs = (target: FuzzTarget, names: string[] = PARAM_NAMES) =>
  fc.array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }), value(target)), { maxLength: 8 });

/** A query string: well encoded, or raw with broken escapes and invalid UTF-8. */
export function query(target: FuzzTarget, names?: string[]): fc.Arbitrary<string> {
  const encoded = pairs(target, names).map((list) => new URLSearchParams(list).toString());
  const raw = fc.array(fc.tuple(fc.constantFrom(...(names ?? PARAM_NAMES)), fc.oneof(invalidUtf8, fc.stringMatching(/^[A-Za-z0-9._~=&+-]{0,20}$/))), { maxLength: 4 }).map((list) => list.map(([k, v]) => `${k}=${v}`).join('&'));
  return fc.oneof(encoded, raw).map((q) => (q ? `?${q}` : ''));
}

const CONTENT_TYPES = [
  'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'application/x-www-form-urlencoded; charset=latin1', 'application/json',
  'application/json; charset=utf-16', 'APPLICATION/JSON', 'text/plain', 'multipart/form-data; boundary=zz', 'application/xml', 'application/octet-stream',
  'application/x-www-form-urlencoded, application/json', 'application/jwt', '*/*', ';', 'application/json; =',
];

/** A body and the content type it is sent with (matching or not). */
export function body(target: FuzzTarget, names?: string[]): fc.Arbitrary<{ contentType?: string; body?: Buffer }> {
  const list = pairs(target, names);
  const text = fc.oneof(
    list.map((p) => new URLSearchParams(p).toString()),
    fc.array(fc.tuple(fc.constantFrom(...(names ?? PARAM_NAMES)), invalidUtf8), { maxLength: 4 }).map((p) => p.map(([k, v]) => `${k}=${v}`).join('&')),
    list.map((p) => JSON.stringify(Object.fromEntries(p))),
    // Duplicate keys in JSON text: JSON.parse keeps the last, other parsers the first.
    list.map((p) => `{${p.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`),
    fc.tuple(fc.constantFrom(...(names ?? PARAM_NAMES)), fc.jsonValue({ maxDepth: 3 })).map(([k, v]) => JSON.stringify({ [k]: v })),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc.constantFrom('', '{', '{"a":', '[]', 'null', '"x"', '&&&', '=', '==&=', 'a=1&a=2&a=3', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}'),
  );
  const bytes = fc.oneof(
    { weight: 12, arbitrary: text.map((t) => Buffer.from(t, 'utf8')) },
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)) },
    // Over the 256 KiB body limit.
    { weight: 1, arbitrary: fc.constantFrom(Buffer.alloc(300 * 1024, 'a'), Buffer.from(`grant_type=password&username=${'u'.repeat(270 * 1024)}`)) },
  );
  return fc.record({ contentType: fc.option(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: headerText }), { nil: undefined }), body: fc.option(bytes, { nil: undefined }) });
}

/** Printable ASCII: anything a client can put in a header. */
export const headerText = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Authorization headers, from real credentials to garbage; undefined = none. */
export function authorization(target: FuzzTarget): fc.Arbitrary<string | undefined> {
  return fc.option(
    fc.oneof(
      fc.constantFrom(
        `Basic ${b64(`${target.web.id}:${target.web.secret}`)}`,
        `Bearer ${target.known.accessToken}`,
        `Bearer ${target.admin}`,
        `OAuth ${target.known.accessToken}`,
        target.known.accessToken,
        'Basic',
        'Bearer',
        'Basic !!!',
        'Basic Og==',
        `Basic ${b64('%:%')}`,
        `Basic ${b64(`${target.web.id}:%E0%A4%A`)}`,
        `Bearer ${target.known.accessToken}.x`,
        `Bearer ${'a'.repeat(8000)}`,
        'Digest username="x"',
      ),
      fc.tuple(value(target), value(target)).map(([id, secret]) => `Basic ${b64(`${id}:${secret}`)}`),
      fc.tuple(fc.constantFrom('Basic ', 'Bearer ', 'bearer ', 'OAuth ', ''), headerText).map(([scheme, rest]) => scheme + rest),
    ),
    { nil: undefined },
  );
}

/** Extra headers a browser, proxy or GAM client might send. */
export const extraHeaders = fc.dictionary(
  fc.constantFrom('origin', 'cookie', 'x-forwarded-for', 'x-forwarded-proto', 'genexus-agent', 'content-encoding', 'accept', 'accept-language', 'referer', 'x-http-method-override'),
  headerText,
  { maxKeys: 3 },
);

/** Tenant mount points: the root, a real tenant, an unknown one, and malformed ones. */
export const tenantPrefix = fc.constantFrom('', '', '/t/acme', '/t/nope', '/t/%FF', '/t/..', '/t/%2e%2e', '/t/ACME', '/t/acme%00', '/t/a%2Fb');

/** Assembles a FuzzRequest from its generated parts. */
export function assemble(method: string, path: string, auth: string | undefined, extra: Record<string, string>, payload: { contentType?: string; body?: Buffer }): FuzzRequest {
  const headers: Record<string, string> = { ...extra };
  if (auth !== undefined) headers.authorization = auth;
  if (payload.contentType !== undefined) headers['content-type'] = payload.contentType;
  return { method, path, headers, body: payload.body };
}
