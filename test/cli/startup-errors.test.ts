/**
 * docs/configuration.md: "A bad value stops the process with a message that names the variable".
 * Values that only fail when used — an address to listen on, a taken port, a path that cannot
 * hold the database or the data directory — must stop the real command the same way as values
 * refused when read: `gatehouse: configuration error: VARIABLE: …`, exit code 2.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { tempDir } from '../helpers/databases.js';
import { decodeJwt } from 'jose';
import { baseEnv, freePort, runCli, spawnServer } from '../helpers/server.js';
import { clientCredentialsToken } from '../helpers/oauth.js';

const CONFIGURATION_ERROR = 2;

const without = (env: Record<string, string>, ...names: string[]) => Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));

async function assertRefusedBy(variable: string, env: Record<string, string>, mentions: string, args = ['serve']): Promise<void> {
  const { code, stderr } = await runCli(args, env);
  assert.equal(code, CONFIGURATION_ERROR, stderr);
  assert.match(stderr, new RegExp(`^gatehouse: configuration error: ${variable}: `, 'm'), stderr);
  assert.ok(stderr.includes(mentions), `"${mentions}" in: ${stderr}`);
}

describe('start-up failures name the variable to change', () => {
  let dir: string;
  /** A regular file: nothing can be created beneath it, whoever runs the tests (root too). */
  let notADirectory: string;
  let taken: net.Server;
  let takenPort: number;
  const env = async (extra: Record<string, string>) => baseEnv(`sqlite:${path.join(dir, `${Math.random().toString(36).slice(2)}.db`)}`, { PORT: String(await freePort()), GATEWAY_PORT: String(await freePort()), ...extra });

  before(async () => {
    dir = tempDir();
    notADirectory = path.join(dir, 'a-file');
    fs.writeFileSync(notADirectory, '');
    taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as net.AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => taken.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('HOST that does not resolve', async () => {
    await assertRefusedBy('HOST', await env({ HOST: 'no-such-host.invalid' }), 'cannot listen on no-such-host.invalid:');
  });

  test('PORT, GATEWAY_PORT and GATEHOUSE_METRICS_PORT already taken', async () => {
    for (const variable of ['PORT', 'GATEWAY_PORT', 'GATEHOUSE_METRICS_PORT']) {
      await assertRefusedBy(variable, await env({ [variable]: String(takenPort) }), `cannot listen on 127.0.0.1:${takenPort}`);
    }
  });

  test('GATEHOUSE_DATABASE_URL whose SQLite file cannot be created, for serve and migrate', async () => {
    const file = path.join(notADirectory, 'gatehouse.db');
    for (const args of [['serve'], ['migrate']]) {
      // With neither set, the secret key would be generated into the SQLite file's folder too: the
      // variable named is still the one the operator set.
      const unset = without(await env({ GATEHOUSE_DATABASE_URL: `sqlite:${file}` }), 'GATEHOUSE_SECRET_KEY', 'GATEHOUSE_DATA_DIR');
      await assertRefusedBy('GATEHOUSE_DATABASE_URL', unset, `cannot create or open the SQLite database ${file}`, args);
    }
  });

  test('GATEHOUSE_DATABASE_URL of a database a newer Gatehouse upgraded, for serve and migrate', async () => {
    const file = path.join(dir, 'newer.db');
    const upgraded = await env({ GATEHOUSE_DATABASE_URL: `sqlite:${file}` });
    assert.equal((await runCli(['migrate'], upgraded)).code, 0);
    const db = new SQLite(file);
    db.prepare("insert into kysely_migration (name, timestamp) values ('999-from-the-future', '2030-01-01T00:00:00.000Z')").run();
    db.close();
    for (const args of [['serve'], ['migrate']]) {
      await assertRefusedBy('GATEHOUSE_DATABASE_URL', upgraded, 'the database was upgraded by a newer Gatehouse (its migration 999-from-the-future is unknown to this version)', args);
    }
  });

  test('GATEHOUSE_DATA_DIR where the secret key cannot be generated', async () => {
    const generated = without(await env({ GATEHOUSE_DATA_DIR: path.join(notADirectory, 'data') }), 'GATEHOUSE_SECRET_KEY');
    await assertRefusedBy('GATEHOUSE_DATA_DIR', generated, path.join(notADirectory, 'data', 'secret.key'));
  });

  test('GATEHOUSE_DATA_DIR where the generated admin credentials cannot be written: refused, and the next start generates them', async () => {
    const database = await env({});
    const unwritable = { ...without(database, 'GATEHOUSE_ADMIN_CLIENT_ID', 'GATEHOUSE_ADMIN_CLIENT_SECRET'), GATEHOUSE_DATA_DIR: path.join(notADirectory, 'data') };
    await assertRefusedBy('GATEHOUSE_DATA_DIR', unwritable, path.join(notADirectory, 'data', 'admin-credentials.json'));
    // Nothing of the failed first start remains to make the next one skip the credentials.
    const writable = { ...unwritable, GATEHOUSE_DATA_DIR: path.join(dir, `data-${Math.random().toString(36).slice(2)}`) };
    const server = await spawnServer(writable);
    try {
      const credentials = JSON.parse(fs.readFileSync(path.join(writable.GATEHOUSE_DATA_DIR, 'admin-credentials.json'), 'utf8'));
      const token = await clientCredentialsToken(server.url, credentials.client_id, credentials.client_secret);
      assert.equal(decodeJwt(token).scope, 'admin');
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  });
});
