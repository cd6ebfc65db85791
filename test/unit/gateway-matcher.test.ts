/**
 * The gateway's path rules as tables (INTERFACE.md "Gateway"): ScopeMatcher patterns (methods,
 * `*` = exactly one segment, trailing `/**` = zero or more, otherwise that path alone),
 * normalisePath (what is normalised, what is refused), and the pattern validator that guards what
 * admins can store. The scale check counts trie lookups instead of timing anything; the
 * per-request cost in time belongs to the bench.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScopeMatcher } from '../../src/gateway/matcher.js';
import { normalisePath, UnsafePathError } from '../../src/gateway/path.js';
import { servicePatternError } from '../../src/domain/scope.js';

/** [patterns of one scope, method, request path, allowed?] */
const MATCHES: [string[], string, string, boolean][] = [
  // methods
  [['GET,HEAD /orders/*'], 'GET', '/orders/42', true],
  [['GET,HEAD /orders/*'], 'HEAD', '/orders/42', true],
  [['GET,HEAD /orders/*'], 'POST', '/orders/42', false],
  [['GET,HEAD /orders/*'], 'DELETE', '/orders/42', false],
  [['GET /orders/*'], 'HEAD', '/orders/42', false],
  [['GET,HEAD /orders/*'], 'GET', '/orders', false],
  [['GET,HEAD /orders/*'], 'GET', '/orders/42/items', false],
  [['/orders/*'], 'PATCH', '/orders/42', true],
  [['POST /orders', 'GET /orders/**'], 'POST', '/orders', true],
  [['POST /orders', 'GET /orders/**'], 'POST', '/orders/1', false],
  [['POST /orders', 'GET /orders/**'], 'GET', '/orders/1', true],
  // `*`: exactly one segment
  [['/orders/*/items'], 'GET', '/orders/42/items', true],
  [['/orders/*/items'], 'POST', '/orders/42/items', true],
  [['/orders/*/items'], 'GET', '/orders/42/43/items', false],
  [['/orders/*/items'], 'GET', '/orders/items', false],
  [['/orders/*/items'], 'GET', '/orders/42/items/1', false],
  [['/orders/*/items'], 'GET', '/orders/42/item', false],
  [['/*'], 'GET', '/x', true],
  [['/*'], 'GET', '/', false],
  [['/*'], 'GET', '/x/y', false],
  [['/*/*'], 'GET', '/a/b', true],
  [['/*/*'], 'GET', '/a', false],
  [['/*/*'], 'GET', '/a/b/c', false],
  // trailing `/**`: zero or more segments
  [['/orders/**'], 'GET', '/orders', true],
  [['/orders/**'], 'GET', '/orders/1', true],
  [['/orders/**'], 'GET', '/orders/1/2', true],
  [['/orders/**'], 'DELETE', '/orders/1/2/3/4/5', true],
  [['/orders/**'], 'GET', '/ordersx', false],
  [['/orders/**'], 'GET', '/order', false],
  [['/orders/**'], 'GET', '/', false],
  [['/orders/**'], 'GET', '/other/orders', false],
  [['/orders/*/items/**'], 'GET', '/orders/1/items', true],
  [['/orders/*/items/**'], 'GET', '/orders/1/items/2/3', true],
  [['/orders/*/items/**'], 'GET', '/orders/items', false],
  [['/**'], 'GET', '/', true],
  [['/**'], 'GET', '/any/thing/deep', true],
  // exact: that path alone
  [['/orders'], 'GET', '/orders', true],
  [['/orders'], 'GET', '/orders/', true],
  [['/orders'], 'GET', '/orders/1', false],
  [['/orders'], 'GET', '/ORDERS', false],
  [['/orders'], 'GET', '/', false],
  [['/orders/42/items'], 'GET', '/orders/42/items', true],
  [['/orders/42/items'], 'GET', '/orders/42/items/x', false],
  [['/orders/42/items'], 'GET', '/orders/42', false],
  [['/'], 'GET', '/', true],
  [['/'], 'GET', '/x', false],
  // the request path is normalised before matching; so are pattern segments
  [['GET /orders/*'], 'GET', '//orders//42/', true],
  [['GET /orders/*'], 'GET', '/%6Frders/%34%32', true],
  [['/%6Frders/*'], 'GET', '/orders/1', true],
];

describe('ScopeMatcher patterns', () => {
  for (const [patterns, method, path, expected] of MATCHES) {
    test(`${patterns.join(' + ')}: ${method} ${path} → ${expected ? 'allowed' : 'refused'}`, () => {
      const matcher = new ScopeMatcher();
      for (const pattern of patterns) matcher.add('S', pattern);
      assert.equal(matcher.allows(method, normalisePath(path).segments, ['S']), expected);
      assert.equal(matcher.scopesFor(method, normalisePath(path).segments).has('S'), expected);
    });
  }

  test('several scopes: scopesFor names every scope that allows the request; names are case-sensitive', () => {
    const matcher = new ScopeMatcher();
    matcher.add('orders.read', 'GET,HEAD /orders/**');
    matcher.add('orders.write', 'POST,PUT,PATCH,DELETE /orders/**');
    matcher.add('items', '/orders/*/items');
    matcher.add('everything', '/**');
    assert.equal(matcher.size, 4);
    const seg = (p: string) => normalisePath(p).segments;
    assert.deepEqual([...matcher.scopesFor('GET', seg('/orders/1'))].sort(), ['everything', 'orders.read']);
    assert.deepEqual([...matcher.scopesFor('POST', seg('/orders/1/items'))].sort(), ['everything', 'items', 'orders.write']);
    assert.deepEqual([...matcher.scopesFor('GET', seg('/photos'))], ['everything']);
    assert.equal(matcher.allows('POST', seg('/orders/1'), ['orders.read']), false);
    assert.equal(matcher.allows('POST', seg('/orders/1'), ['orders.read', 'orders.write']), true);
    assert.equal(matcher.allows('GET', seg('/orders/1'), ['Orders.Read']), false, 'scope names match case-sensitively');
    assert.equal(matcher.allows('GET', seg('/orders/1'), []), false, 'a token without scopes is allowed nothing');
  });
});

/** [raw path, normalised path, decoded segments] */
const NORMAL: [string, string, string[]][] = [
  ['/orders', '/orders', ['orders']],
  ['/orders/', '/orders', ['orders']],
  ['//orders//42///items/', '/orders/42/items', ['orders', '42', 'items']],
  ['/%6Frders', '/orders', ['orders']],
  ['/%6frders/%34%32', '/orders/42', ['orders', '42']],
  ['/orders/%7Ea-b_c.d', '/orders/~a-b_c.d', ['orders', '~a-b_c.d']],
  ['/', '/', []],
  ['//', '/', []],
  ['/a%20b', '/a%20b', ['a b']],
  // decoded once only: %2520 is the text "%20", not a space
  ['/a%2520b', '/a%2520b', ['a%20b']],
  ['/orders/...', '/orders/...', ['orders', '...']],
  ['/orders/.hidden', '/orders/.hidden', ['orders', '.hidden']],
  ['/%C3%A9t%C3%A9', '/%C3%A9t%C3%A9', ['été']],
  ['/%c3%a9', '/%C3%A9', ['é']],
  // RFC 3986 §2.2: an encoded reserved character is not the literal one; both are forwarded as spelled.
  ['/orders/a%3Bb', '/orders/a%3Bb', ['orders', 'a;b']],
  ['/orders/a;b', '/orders/a;b', ['orders', 'a;b']],
  ['/orders/a%3db%26c%2B%40%2c', '/orders/a%3Db%26c%2B%40%2C', ['orders', 'a=b&c+@,']],
  ['/orders/a=b&c+@,', '/orders/a=b&c+@,', ['orders', 'a=b&c+@,']],
  ['/orders/%22x%22', '/orders/%22x%22', ['orders', '"x"']],
];

const REFUSED: [string, string][] = [
  ['/orders%2F1', 'encoded slash'],
  ['/orders/1%2fitems', 'encoded slash, lower case'],
  ['/orders/%2F', 'encoded slash alone'],
  ['/orders\\1', 'literal backslash'],
  ['/orders/%5C1', 'encoded backslash'],
  ['/orders/%5c1', 'encoded backslash, lower case'],
  ['/orders/%00', 'NUL'],
  ['/orders/1%00.json', 'NUL inside a segment'],
  ['/orders/.', 'literal "."'],
  ['/orders/..', 'literal ".."'],
  ['/./orders', 'leading "."'],
  ['/../orders', 'leading ".."'],
  ['/orders/../admin', '".." in the middle'],
  ['/orders/%2e', 'encoded "."'],
  ['/orders/%2e%2e', 'encoded ".."'],
  ['/orders/%2E%2E/admin', 'encoded "..", upper case'],
  ['/orders/.%2E/admin', 'half-encoded ".."'],
  ['/orders/%2e./admin', 'half-encoded "..", the other half'],
  ['/orders/%2e%2e%2fadmin', 'encoded "../"'],
  ['/orders/%zz', 'malformed percent-encoding'],
  ['/orders/%', 'truncated percent-encoding'],
  ['orders', 'no leading slash'],
  ['', 'empty'],
];

describe('normalisePath', () => {
  for (const [raw, path, segments] of NORMAL) {
    test(`${JSON.stringify(raw)} → ${path}`, () => {
      assert.deepEqual(normalisePath(raw), { path, segments });
      // normal form is a fixed point
      assert.deepEqual(normalisePath(path), { path, segments });
    });
  }
  for (const [raw, what] of REFUSED) {
    test(`refused: ${what} (${JSON.stringify(raw)})`, () => {
      assert.throws(() => normalisePath(raw), UnsafePathError);
    });
  }
});

describe('servicePatternError', () => {
  const valid = ['/orders/**', 'GET,HEAD /orders/*', '/', '/**', '/orders/*/items', '/orders', 'POST,PUT,PATCH,DELETE,OPTIONS /a/b:c/d@e', '/%6Frders/*', "/a-b_c.d~!$&'()+,;=/x", 'PROPFIND,MKCOL /dav/**'];
  for (const pattern of valid) {
    test(`valid: ${pattern}`, () => assert.equal(servicePatternError(pattern), undefined));
  }
  const invalid: [string, RegExp][] = [
    ['orders/**', /starting with "\/"/],
    ['', /starting with "\/"/],
    ['get /orders', /starting with "\/"/],
    ['GET  /orders', /starting with "\/"/],
    ['FETCH /orders', /unknown HTTP method "FETCH"/],
    ['GET,,HEAD /orders', /unknown HTTP method ""/],
    ['TRACE /orders', /unknown HTTP method "TRACE"/],
    ['/orders/**/items', /"\*\*" is only allowed as the last segment/],
    ['/orders/', /must not end with "\/"/],
    ['/orders//items', /empty segments/],
    ['/orders/../admin', /dot-segments/],
    ['/orders/./x', /dot-segments/],
    ['/orders/ab*', /whole segment/],
    ['/orders/*x/items', /whole segment/],
    ['/orders/a b', /not allowed/],
    ['/orders/a\\b', /not allowed/],
    ['/orders/a?b', /not allowed/],
    ['/orders/a#b', /not allowed/],
  ];
  for (const [pattern, message] of invalid) {
    test(`invalid: ${JSON.stringify(pattern)}`, () => assert.match(servicePatternError(pattern) ?? '(accepted)', message));
  }

  // A pattern whose segment the gateway cannot normalise (normalisePath refuses it) can never
  // match a request, and the gateway's matcher cannot compile it: the validator must refuse it.
  const undecodable = ['/orders/%2F', '/orders/a%2fb', '/orders/%5C', '/orders/%00', '/orders/%2e%2e', '/orders/.%2E/x', '/orders/%2e', '/orders/%zz', '/orders/%'];
  test('invalid: segments that decode to what normalisePath refuses (encoded "/", "\\", NUL, dot-segments, malformed escapes)', () => {
    for (const pattern of undecodable) assert.throws(() => new ScopeMatcher().add('S', pattern), UnsafePathError, `the gateway cannot compile ${pattern}`);
    const accepted = undecodable.filter((pattern) => servicePatternError(pattern) === undefined);
    assert.deepEqual(accepted, [], `servicePatternError accepts patterns the gateway's matcher cannot compile: ${accepted.join(' ')}`);
  });
});

/** Counts Map lookups (the trie's literal-child lookups) made while `fn` runs synchronously. */
function countLookups(fn: () => void): number {
  const original = Map.prototype.get;
  let count = 0;
  Map.prototype.get = function (this: Map<unknown, unknown>, key: unknown) {
    count++;
    return original.call(this, key);
  };
  try {
    fn();
  } finally {
    Map.prototype.get = original;
  }
  return count;
}

describe('ScopeMatcher at scale (work counted, not timed)', () => {
  function build(indices: number[]): ScopeMatcher {
    const matcher = new ScopeMatcher();
    for (const i of indices) {
      const shape = i % 4;
      const pattern = shape === 0 ? `/svc${i}/**` : shape === 1 ? `GET,HEAD /svc${i}/orders/*` : shape === 2 ? `/svc${i}/orders/*/items` : `POST /svc${i}/orders`;
      matcher.add(`s${i}`, pattern);
    }
    matcher.add('health', 'GET /*/health');
    matcher.add('public', '/public/**');
    return matcher;
  }

  const REQUESTS: [string, string, string[]][] = [
    ['GET', '/svc5001/orders/42', ['s5001']],
    ['GET', '/svc5002/orders/42/items', ['s5002']],
    ['POST', '/svc5003/orders', ['s5003']],
    ['DELETE', '/svc5000/a/b/c', ['s5000']],
    ['GET', '/svc5001/health', ['health']],
    ['GET', '/public/x/y', ['public']],
    ['GET', '/svc5001/orders', []],
    ['GET', '/nothing/here/at/all', []],
  ];

  test('10,000 patterns: the same answers, and the same trie lookups per request as with 10 patterns', () => {
    const large = build(Array.from({ length: 10_000 }, (_, i) => i));
    const small = build([5000, 5001, 5002, 5003, 1, 2, 3, 4, 9998, 9999]);
    assert.equal(large.size, 10_002);
    for (const [method, path, expected] of REQUESTS) {
      const { segments } = normalisePath(path);
      let largeAnswer: string[] = [];
      let smallAnswer: string[] = [];
      const largeLookups = countLookups(() => (largeAnswer = [...large.scopesFor(method, segments)].sort()));
      const smallLookups = countLookups(() => (smallAnswer = [...small.scopesFor(method, segments)].sort()));
      assert.deepEqual(largeAnswer, expected, `${method} ${path} (10,000 patterns)`);
      assert.deepEqual(smallAnswer, expected, `${method} ${path} (10 patterns)`);
      assert.equal(largeLookups, smallLookups, `${method} ${path}: lookups must not grow with the number of patterns`);
      // Each level looks up at most one literal child per node it visits; only `*` branches add nodes.
      assert.ok(largeLookups <= 2 * segments.length, `${method} ${path}: ${largeLookups} lookups for ${segments.length} segments`);
    }
  });
});

test('a `..;` path-parameter dot-segment is refused like `..`', () => {
  assert.throws(() => normalisePath('/orders/..;/admin'), UnsafePathError);
  assert.throws(() => normalisePath('/orders/.%3Bx/admin'), UnsafePathError);
});
