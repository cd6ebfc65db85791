/**
 * A client that hangs up in the middle of its request body is the client's doing: it must not be
 * logged as a store outage (an alert keyed on "store unavailable" would fire for anyone who opens
 * connections and drops them), and the server goes on answering.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { testDatabases } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET, baseEnv, spawnServer, type ChildServer } from '../helpers/server.js';
import { clientCredentialsToken } from '../helpers/oauth.js';

const sqlite = testDatabases().find((d) => d.name === 'sqlite')!;

/** Sends the head and part of a body, then drops the connection. */
function abandonUpload(url: string, path: string, contentType: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: ${contentType}\r\nContent-Length: 1000\r\n\r\ngrant_type=c`);
      setTimeout(() => socket.destroy(), 300);
    });
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
}

describe('a request body abandoned mid-upload', () => {
  let server: ChildServer;
  before(async () => {
    server = await spawnServer(baseEnv(await sqlite.create(), { GATEHOUSE_LOG_LEVEL: 'info' }));
  });
  after(async () => {
    server.process.kill('SIGTERM');
    await server.exited;
  });

  test('is not logged as a store outage, and the server goes on answering', async () => {
    for (const path of ['/oauth/token', '/oauth/register', '/admin/api/v1/scopes']) {
      await abandonUpload(server.url, path, path === '/oauth/token' ? 'application/x-www-form-urlencoded' : 'application/json');
    }
    assert.ok(await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const lines = server.output().split('\n').filter(Boolean);
    assert.ok(lines.some((line) => line.includes('"msg":"request completed"') || line.includes('"level":30')), 'the log is being written');
    assert.deepEqual(lines.filter((line) => /store unavailable|"level":(40|50|60)/.test(line)), []);
  });
});
