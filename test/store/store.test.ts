/** The storage suite: the same contract checked on SQLite and on PostgreSQL. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { openDb } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/index.js';
import { defaultSettings } from '../../src/domain/tenant.js';
import type { Client } from '../../src/domain/client.js';
import type { TokenRow } from '../../src/store/schema.js';
import { isUniqueViolation } from '../../src/store/executor.js';
import { DuplicateError } from '../../src/store/duplicates.js';
import { ConflictError } from '../../src/domain/errors.js';
import { up as serviceNameKeys } from '../../src/store/migrations/011-service-name-keys.js';
import type { Service } from '../../src/store/services.js';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir, testDatabases } from '../helpers/databases.js';

function client(tenantId: string, clientId: string, name = 'App', version = '1'): Client {
  return {
    tenantId,
    clientId,
    clientName: name,
    clientVersion: version,
    description: null,
    tokenEndpointAuthMethod: 'client_secret_basic',
    secretHash: 'v1$x',
    secretExpiresAt: 0,
    previousSecret: null,
    redirectUris: ['https://app.example/cb'],
    postLogoutRedirectUris: [],
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
    scopes: [],
    accessTokenLifetime: null,
    refreshTokenLimit: 5,
    requirePkce: null,
    active: true,
    notBefore: 0,
    apiKey: { enabled: false, timeoutHours: 0, allowedAuthType: null, scopeCustomization: false },
    registrationTokenHash: null,
    createdAt: 1000,
    updatedAt: 1000,
  };
}

function service(tenantId: string, name: string, pathPrefix = `/${name.toLowerCase()}-${tenantId}`): Service {
  return { tenantId, name, pathPrefix, upstream: 'http://127.0.0.1:9', timeoutMs: 1000, passToken: false, createdAt: 1, updatedAt: 1 };
}

function token(jti: string, issuedAt: number, extra: Partial<TokenRow> = {}): TokenRow {
  return {
    jti,
    tenant_id: 't1',
    client_id: 'c1',
    subject: 'c1',
    scope: 'orders photos.read',
    grant_type: 'client_credentials',
    kid: 'k1',
    issued_at: issuedAt,
    expires_at: issuedAt + 3600,
    never_expires: 0,
    family_id: null,
    revoked_at: null,
    revoked_reason: null,
    ...extra,
  };
}

for (const database of testDatabases()) {
  describe(`store on ${database.name}`, () => {
    let store: Store;
    before(async () => {
      const db = openDb(await database.create());
      await migrateToLatest(db);
      assert.deepEqual(await migrateToLatest(db), [], 'a second migration run applies nothing');
      store = createStore(db);
      for (const id of ['t1', 't2']) await store.tenants.insertIfMissing({ id, name: id, settings: defaultSettings(), createdAt: 1 });
    });
    after(() => store.close());

    test('tenants: insertIfMissing is idempotent and settings round-trip with defaults', async () => {
      assert.equal(await store.tenants.insertIfMissing({ id: 't1', name: 'again', settings: defaultSettings(), createdAt: 2 }), false);
      const settings = { ...defaultSettings(), require_pkce: false };
      await store.tenants.updateSettings('t1', settings);
      const tenant = await store.tenants.get('t1');
      assert.equal(tenant?.name, 't1');
      assert.equal(tenant?.settings.require_pkce, false);
      assert.equal(tenant?.settings.lockout.max_failures, 30);
      await store.tenants.updateSettings('t1', defaultSettings());
    });

    test('clients: round-trip every field, with scopes and null lifetimes', async () => {
      await store.scopes.insert({ tenantId: 't1', name: 'orders', description: 'Orders', services: ['/orders/**'], roles: [], createdAt: 1, updatedAt: 1 });
      const c = { ...client('t1', 'c1'), scopes: ['orders'], requirePkce: false };
      await store.clients.insert(c);
      assert.deepEqual(await store.clients.get('t1', 'c1'), c);
      assert.equal(await store.clients.get('t2', 'c1'), undefined, 'clients never cross tenants');
    });

    test('clients: name + version unique per tenant, case-insensitively', async () => {
      assert.equal(await store.clients.nameTaken('t1', 'APP', '1'), true);
      assert.equal(await store.clients.nameTaken('t1', 'app', '2'), false);
      assert.equal(await store.clients.nameTaken('t2', 'app', '1'), false);
      await assert.rejects(store.clients.insert(client('t1', 'c-dup', 'aPP', '1')), (error) => isUniqueViolation(error));
      await store.clients.insert(client('t2', 'c-other', 'App', '1'));
    });

    test('clients: update replaces scopes; list pages by client_id; delete cascades links', async () => {
      const c = (await store.clients.get('t1', 'c1'))!;
      await store.clients.update({ ...c, scopes: [], active: false, notBefore: 5000 });
      const updated = (await store.clients.get('t1', 'c1'))!;
      assert.deepEqual(updated.scopes, []);
      assert.equal(updated.active, false);
      assert.equal(updated.notBefore, 5000);
      for (const id of ['c2', 'c3', 'c4']) await store.clients.insert({ ...client('t1', id, `App ${id}`), scopes: ['orders'] });
      const first = await store.clients.list('t1', 2);
      assert.deepEqual(first.map((x) => x.clientId), ['c1', 'c2']);
      const second = await store.clients.list('t1', 2, 'c2');
      assert.deepEqual(second.map((x) => x.clientId), ['c3', 'c4']);
      assert.deepEqual(second[0]!.scopes, ['orders']);
      assert.deepEqual((await store.clients.clientsUsingScope('t1', 'orders')).sort(), ['c2', 'c3', 'c4']);
      assert.equal(await store.clients.delete('t1', 'c4'), true);
      assert.equal(await store.clients.delete('t1', 'c4'), false);
      assert.deepEqual((await store.clients.clientsUsingScope('t1', 'orders')).sort(), ['c2', 'c3']);
    });

    test('users: getMany returns the tenant’s users among the ids, and no one else’s', async () => {
      const user = (tenantId: string, id: string) => ({ tenantId, id, username: id, passwordHash: null, email: null, emailVerified: false, givenName: null, familyName: null, externalId: null, roles: ['r'], disabled: false, notBefore: 0, createdAt: 1, updatedAt: 1 });
      for (const [tenantId, id] of [['t1', 'gm-a'], ['t1', 'gm-b'], ['t2', 'gm-c']] as const) await store.users.insert(user(tenantId, id));
      const found = await store.users.getMany('t1', ['gm-a', 'gm-b', 'gm-c', 'gm-nobody']);
      assert.deepEqual(found.map((u) => u.id).sort(), ['gm-a', 'gm-b'], 'gm-c is another tenant’s');
      assert.deepEqual(found.find((u) => u.id === 'gm-a'), user('t1', 'gm-a'));
      assert.deepEqual(await store.users.getMany('t1', []), []);
    });

    test('scopes: case-insensitive uniqueness, update, delete', async () => {
      await assert.rejects(
        store.scopes.insert({ tenantId: 't1', name: 'ORDERS', description: '', services: [], roles: [], createdAt: 1, updatedAt: 1 }),
        (error) => isUniqueViolation(error),
      );
      assert.equal((await store.scopes.getByKey('t1', 'OrDeRs'))?.name, 'orders');
      const scope = (await store.scopes.get('t1', 'orders'))!;
      await store.scopes.update({ ...scope, services: ['GET /orders/*'], roles: ['sales'] });
      assert.deepEqual((await store.scopes.get('t1', 'orders'))?.services, ['GET /orders/*']);
      assert.equal(await store.scopes.get('t2', 'orders'), undefined);
    });

    test('tokens: batch insert, keyset pagination newest first, filters', async () => {
      const rows = Array.from({ length: 25 }, (_, i) => token(`j${String(i).padStart(2, '0')}`, 1000 + Math.floor(i / 3), { client_id: i % 2 ? 'c1' : 'c2', subject: i % 2 ? 'alice' : 'c2' }));
      await store.transaction((tx) => tx.tokens.insertMany(rows));
      const seen: string[] = [];
      let cursor: { issuedAt: number; jti: string } | undefined;
      for (;;) {
        const page = await store.tokens.list({ tenantId: 't1' }, 0, 7, cursor);
        seen.push(...page.map((r) => r.jti));
        if (page.length < 7) break;
        const last = page.at(-1)!;
        cursor = { issuedAt: Number(last.issued_at), jti: last.jti };
      }
      assert.equal(seen.length, 25);
      assert.equal(new Set(seen).size, 25, 'no row on two pages');
      const sorted = [...rows].sort((a, b) => b.issued_at - a.issued_at || (a.jti < b.jti ? 1 : -1)).map((r) => r.jti);
      assert.deepEqual(seen, sorted);
      assert.equal((await store.tokens.list({ tenantId: 't1', clientId: 'c1' }, 0, 100)).length, 12);
      assert.equal((await store.tokens.list({ tenantId: 't1', subject: 'alice' }, 0, 100)).length, 12);
      assert.equal((await store.tokens.list({ tenantId: 't2' }, 0, 100)).length, 0);
      assert.equal((await store.tokens.list({ tenantId: 't1', status: 'expired' }, 1000 + 3600, 100)).length, 3);
    });

    test('tokens: revoke is tenant-bound and idempotent; status filters follow', async () => {
      assert.deepEqual(await store.tokens.revoke('t2', ['j00'], 2000, 'x'), [], 'another tenant cannot revoke');
      assert.deepEqual((await store.tokens.revoke('t1', ['j00', 'j01', 'missing'], 2000, 'test')).sort(), ['j00', 'j01']);
      assert.deepEqual(await store.tokens.revoke('t1', ['j00'], 2001, 'again'), []);
      const row = (await store.tokens.get('j00'))!;
      assert.equal(row.revoked_at, 2000);
      assert.equal(row.revoked_reason, 'test');
      assert.equal((await store.tokens.list({ tenantId: 't1', status: 'revoked' }, 0, 100)).length, 2);
      assert.equal((await store.tokens.list({ tenantId: 't1', status: 'active' }, 1500, 100)).length, 23);
      const live = await store.tokens.revokedLive(2000);
      assert.deepEqual(live.map((r) => r.jti).sort(), ['j00', 'j01']);
    });

    test('tokens: live-scope check matches whole scope names only', async () => {
      await store.tokens.insertMany([token('s1', 5000, { scope: 'a_b x%y' })]);
      assert.equal(await store.tokens.liveTokenWithScope('t1', 'a_b', 5001), true);
      assert.equal(await store.tokens.liveTokenWithScope('t1', 'x%y', 5001), true);
      assert.equal(await store.tokens.liveTokenWithScope('t1', 'a', 5001), false);
      assert.equal(await store.tokens.liveTokenWithScope('t1', 'aXb', 5001), false, 'LIKE wildcards are escaped');
      assert.equal(await store.tokens.liveTokenWithScope('t1', 'a_b', 5000 + 3600), false, 'expired tokens do not count');
    });

    test('tokens: deleteByClient, lastExpiryForKid and purge', async () => {
      assert.equal(await store.tokens.lastExpiryForKid('k1'), 5000 + 3600);
      assert.equal(await store.tokens.lastExpiryForKid('unknown'), undefined);
      assert.equal(await store.tokens.deleteByClient('t1', 'c2'), 13);
      const purged = await store.tokens.purgeExpired(1000 + 3600 + 5, 1000);
      assert.ok(purged >= 1);
      for (const row of await store.tokens.list({ tenantId: 't1' }, 0, 100)) assert.ok(row.expires_at >= 1000 + 3600 + 5);
    });

    test('events: ids grow in commit order; after() and purge', async () => {
      const start = await store.events.lastId();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.transaction((tx) => tx.events.append({ tenantId: 't1', kind: 'test', target: String(i), payload: { i }, createdAt: 100 + i }))),
      );
      const events = await store.events.after(start, 100);
      assert.equal(events.length, 20);
      for (let i = 1; i < events.length; i++) assert.ok(events[i]!.id > events[i - 1]!.id);
      assert.equal(await store.events.lastId(), events.at(-1)!.id);
      assert.equal(await store.events.purgeBefore(110), 10);
    });

    test('purge: ended grants, rotated refresh tokens, idle lockout counters and old audit events', async () => {
      const family = (id: string, revokedAt: number | null) =>
        store.grants.insertFamily({ id, tenant_id: 't1', client_id: 'c1', user_id: 'u1', scope: '', auth_time: 1, refresh_count_left: null, created_at: 1, revoked_at: revokedAt, api_key_id: null });
      const refresh = (id: string, familyId: string, rotatedAt: number | null) =>
        store.grants.insertRefresh({ id, tenant_id: 't1', family_id: familyId, client_id: 'c1', scope: '', access_jti: `a-${id}`, issued_at: 1, rotated_at: rotatedAt, successor: null });
      await family('f-ended', 100);
      await family('f-live', null);
      await refresh('r-of-ended', 'f-ended', null);
      await refresh('r-rotated-long-ago', 'f-live', 100);
      await refresh('r-rotated-lately', 'f-live', 5000);
      await refresh('r-current', 'f-live', null);
      assert.equal(await store.grants.purgeEnded(1000), 3, 'two refresh rows and one family');
      assert.equal(await store.grants.getFamily('f-ended'), undefined);
      assert.ok(await store.grants.getFamily('f-live'));
      for (const [id, kept] of [['r-of-ended', false], ['r-rotated-long-ago', false], ['r-rotated-lately', true], ['r-current', true]] as const) {
        assert.equal(Boolean(await store.grants.getRefresh([id])), kept, id);
      }

      await store.lockout.recordFailure('t1', 'user:idle', 100, 43200);
      await store.lockout.recordFailure('t1', 'user:locked', 100, 43200);
      await store.lockout.lockUntil('t1', 'user:locked', 9000);
      await store.lockout.recordFailure('t1', 'user:recent', 5000, 43200);
      assert.equal(await store.lockout.purgeIdle(1000, 2000), 1);
      assert.equal(await store.lockout.get('t1', 'user:idle'), undefined);
      assert.ok(await store.lockout.get('t1', 'user:locked'), 'a lock still running is kept');
      assert.ok(await store.lockout.get('t1', 'user:recent'));

      for (const createdAt of [100, 5000]) await store.audit.append({ tenantId: 't1', actor: 'a', action: 'purge.test', target: String(createdAt), source: null, detail: {}, createdAt });
      assert.equal(await store.audit.purgeBefore(1000), 1);
      assert.deepEqual((await store.audit.list('t1', 100)).filter((e) => e.action === 'purge.test').map((e) => e.target), ['5000']);
      assert.equal(await store.audit.purgeBefore(6000), 1, 'the audit test below starts from an empty log');
    });

    test('a failed transaction leaves nothing behind', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.events.append({ tenantId: 't1', kind: 'rolled-back', target: 'x', payload: {}, createdAt: 1 });
          await tx.clients.insert(client('t1', 'c1')); // duplicate primary key
        }),
      );
      const events = await store.events.after(0, 1000);
      assert.equal(events.filter((e) => e.kind === 'rolled-back').length, 0);
    });

    test('concurrent transactions commit or fail each on their own (SQLite group-commits them)', async () => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) =>
          store.transaction(async (tx) => {
            await tx.events.append({ tenantId: 't1', kind: 'concurrent', target: String(i), payload: {}, createdAt: 1 });
            if (i % 3 === 0) await tx.clients.insert(client('t1', 'c1')); // duplicate primary key
            return i;
          }),
        ),
      );
      const kept = (await store.events.after(0, 10_000)).filter((e) => e.kind === 'concurrent').map((e) => Number(e.target));
      const succeeded = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      assert.deepEqual(kept.sort((a, b) => a - b), succeeded);
      assert.deepEqual(succeeded, Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 0));
    });

    test('a transaction that hits a unique key fails with a DuplicateError saying what exists', async () => {
      const duplicates: [string, (tx: Parameters<Parameters<Store['transaction']>[0]>[0]) => Promise<void>, RegExp][] = [
        ['client name', (tx) => tx.clients.insert(client('t1', 'c-dup', 'aPP', '1')), /client_name and client_version already exists/],
        ['client id', (tx) => tx.clients.insert(client('t1', 'c1', 'Fresh', '1')), /client_id already exists/],
        ['scope name', (tx) => tx.scopes.insert({ tenantId: 't1', name: 'Orders', description: '', services: [], roles: [], createdAt: 1, updatedAt: 1 }), /scope with this name already exists/],
        ['service name', (tx) => tx.services.insert(service('t1', 'DUP-SVC', '/elsewhere')), /service with this name already exists/],
        ['path prefix', (tx) => tx.services.insert(service('t2', 'other', '/dup-svc-t1')), /already uses this path_prefix/],
      ];
      await store.transaction((tx) => tx.services.insert(service('t1', 'dup-svc')));
      for (const [what, write, meaning] of duplicates) {
        await assert.rejects(store.transaction(write), (error) => error instanceof DuplicateError && error instanceof ConflictError && meaning.test(error.message), what);
      }
      await assert.rejects(store.transaction((tx) => tx.services.insert(service('no-such-tenant', 'orphan'))), (error) => !(error instanceof DuplicateError), 'other failures stay as they are');
    });

    test('migration 011: service names differing only by case stay, and no new one joins them', async () => {
      const db = openDb(await database.create());
      try {
        await migrateToLatest(db);
        // Back to the schema before 011, holding names it makes unique.
        await db.kysely.schema.dropIndex('services_name_key').execute();
        await db.kysely.schema.alterTable('services').dropColumn('name_key').execute();
        const legacy = createStore(db);
        for (const id of ['t1', 't2']) await legacy.tenants.insertIfMissing({ id, name: id, settings: defaultSettings(), createdAt: 1 });
        const names: [string, string][] = [['t1', 'ORDERS'], ['t1', 'orders'], ['t1', 'Orders'], ['t1', 'BILLING'], ['t1', 'Billing'], ['t1', 'Solo'], ['t2', 'ORDERS']];
        for (const [tenantId, name] of names) {
          const row = { tenant_id: tenantId, name, path_prefix: `/${name}-${tenantId}`, upstream: 'http://127.0.0.1:9', timeout_ms: 1000, pass_token: 0, created_at: 1, updated_at: 1 };
          await (db.kysely as Kysely<any>).insertInto('services').values(row).execute();
        }
        await serviceNameKeys(db.kysely);
        const keys = await (db.kysely as Kysely<any>).selectFrom('services').select(['tenant_id', 'name', 'name_key']).execute();
        const key = (tenantId: string, name: string) => keys.find((k) => k.tenant_id === tenantId && k.name === name)?.name_key;
        assert.deepEqual([key('t1', 'orders'), key('t1', 'ORDERS'), key('t1', 'Orders')], ['orders', 'ORDERS', 'Orders'], 'the lower-case name keeps the key');
        assert.deepEqual([key('t1', 'BILLING'), key('t1', 'Billing')].filter((k) => k === 'billing').length, 1, 'one of a group without a lower-case name takes the key');
        assert.deepEqual([key('t1', 'Solo'), key('t2', 'ORDERS')], ['solo', 'orders']);
        for (const name of ['oRdErs', 'billing', 'SOLO']) {
          await assert.rejects(legacy.transaction((tx) => tx.services.insert(service('t1', name, `/new-${name}`))), DuplicateError, name);
        }
        const kept = (await legacy.services.get('t1', 'ORDERS'))!;
        await legacy.services.update({ ...kept, upstream: 'http://127.0.0.1:10' });
        assert.equal((await legacy.services.get('t1', 'ORDERS'))?.upstream, 'http://127.0.0.1:10', 'a service kept apart can still change');
      } finally {
        await db.close();
      }
    });

    test('signing keys: published window and reseal', async () => {
      await store.keys.insert({ kid: 'ka', tenant_id: 't1', alg: 'ES256', public_jwk: '{}', private_key: 'sealed', created_at: 1, activates_at: 1, publish_until: null });
      await store.keys.insert({ kid: 'kb', tenant_id: 't1', alg: 'ES256', public_jwk: '{}', private_key: 'sealed', created_at: 2, activates_at: 10, publish_until: null });
      await store.keys.setPublishUntil('ka', 50);
      await store.keys.setPublishUntil('ka', 99);
      assert.deepEqual((await store.keys.published('t1', 40)).map((k) => k.kid), ['ka', 'kb']);
      assert.deepEqual((await store.keys.published('t1', 50)).map((k) => k.kid), ['kb']);
      await store.keys.reseal('kb', 'resealed');
      assert.equal((await store.keys.published('t1', 0)).find((k) => k.kid === 'kb')?.private_key, 'resealed');
      assert.deepEqual(await store.keys.published('t2', 0), []);
    });

    test('audit: newest first with a cursor', async () => {
      for (let i = 0; i < 5; i++) await store.audit.append({ tenantId: 't1', actor: 'a', action: `act${i}`, target: 'x', source: '127.0.0.1', detail: { i }, createdAt: i });
      const first = await store.audit.list('t1', 3);
      assert.deepEqual(first.map((e) => e.action), ['act4', 'act3', 'act2']);
      const rest = await store.audit.list('t1', 3, first.at(-1)!.id);
      assert.deepEqual(rest.map((e) => e.action), ['act1', 'act0']);
      assert.deepEqual(await store.audit.list('t2', 3), []);
    });
  });
}

test('a new SQLite database, its WAL and shared-memory files are the owner’s only', async () => {
  const dir = path.join(tempDir(), 'new');
  const file = path.join(dir, 'gatehouse.db');
  const db = openDb(`sqlite:${file}`);
  try {
    await migrateToLatest(db);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    for (const name of [file, `${file}-wal`, `${file}-shm`]) assert.equal(fs.statSync(name).mode & 0o777, 0o600, name);
  } finally {
    await db.close();
  }
});
