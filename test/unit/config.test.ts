/** The configuration (src/config.ts): every bad value is refused with an error naming its variable. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';

const refusedBy = (variable: string) => (error: unknown) => error instanceof ConfigError && error.variable === variable && error.message.startsWith(`${variable}: `);

test('the defaults: one SQLite node on 8080/8081 with the demo', () => {
  const config = loadConfig({});
  assert.equal(config.port, 8080);
  assert.equal(config.gatewayPort, 8081);
  assert.equal(config.databaseUrl, 'sqlite:./data/gatehouse.db');
  assert.equal(config.issuer, 'http://localhost:8080');
  assert.equal(config.role, 'all');
  assert.equal(config.demo, true);
});

test('a bad value names its variable', () => {
  const cases: [string, string][] = [
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['GATEWAY_PORT', '-1'],
    ['GATEHOUSE_DATABASE_URL', 'mysql://db/gatehouse'],
    ['GATEHOUSE_DATABASE_URL', 'sqlite:'],
    ['GATEHOUSE_ISSUER', 'not a url'],
    ['GATEHOUSE_ISSUER', 'https://example.com/?a=1'],
    ['GATEHOUSE_ISSUER', 'ftp://example.com'],
    ['GATEHOUSE_ISSUER', 'https://example.com/auth'],
    ['GATEHOUSE_ADMIN_CLIENT_SECRET', 'too-short'],
    ['GATEHOUSE_LOG_LEVEL', 'loud'],
    ['GATEHOUSE_ROLE', 'everything'],
    ['GATEHOUSE_DEMO', 'maybe'],
    ['GATEHOUSE_MAX_TOKEN_LIFETIME', '10'],
    ['GATEHOUSE_KEY_ACTIVATION_DELAY', '1.5'],
    ['GATEHOUSE_WRITE_BATCH_SIZE', '0'],
    ['GATEHOUSE_FEED_STALE_MS', '1'],
    ['GATEHOUSE_AUDIT_RETENTION_DAYS', '0'],
    ['GATEHOUSE_TRUST_PROXY', '10.0.0.0/99'],
  ];
  for (const [variable, value] of cases) {
    const env: Record<string, string> = { [variable]: value };
    // The secret is checked only with its id.
    if (variable === 'GATEHOUSE_ADMIN_CLIENT_SECRET') env.GATEHOUSE_ADMIN_CLIENT_ID = 'admin';
    assert.throws(() => loadConfig(env), refusedBy(variable), `${variable}=${value}`);
  }
  assert.throws(() => loadConfig({ GATEHOUSE_ADMIN_CLIENT_ID: 'admin' }), refusedBy('GATEHOUSE_ADMIN_CLIENT_SECRET'), 'an id without a secret');
});

test('--role overrides GATEHOUSE_ROLE, and its error names the flag', () => {
  assert.equal(loadConfig({ GATEHOUSE_ROLE: 'auth' }).role, 'auth');
  assert.equal(loadConfig({ GATEHOUSE_ROLE: 'auth' }, { role: 'gateway' }).role, 'gateway');
  assert.throws(() => loadConfig({ GATEHOUSE_ROLE: 'auth' }, { role: 'both' }), refusedBy('--role'));
});
