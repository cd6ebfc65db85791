/**
 * Starts a throw-away PostgreSQL server on loopback for the test suites (and cluster scripts):
 * initdb into a temp directory, trust auth on 127.0.0.1 only, run as the postgres user when we
 * are root (initdb and postgres refuse to run as root).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function pgBinDir() {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : undefined;
}

/** A port nothing listens on now, so parallel runs do not collide. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;
function run(bin, args, options = {}) {
  return asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], options) : execFileSync(bin, args, options);
}

/** Returns { url, stop } or undefined when PostgreSQL is not installed. */
export async function startPostgres({ port = 55432 } = {}) {
  const bin = pgBinDir();
  if (!bin) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-pg-'));
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  fs.chmodSync(dir, 0o700);
  run(path.join(bin, 'initdb'), ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { stdio: 'ignore' });
  const options = `-p ${port} -h 127.0.0.1 -k ${dir} -c fsync=off -c max_connections=300 -c shared_buffers=128MB`;
  const pgCtl = path.join(bin, 'pg_ctl');
  const start = () => run(pgCtl, ['-D', dir, '-l', path.join(dir, 'server.log'), '-o', options, '-w', '-t', '30', 'start'], { stdio: 'ignore' });
  const stop = () => run(pgCtl, ['-D', dir, '-m', 'fast', '-w', '-t', '30', 'stop'], { stdio: 'ignore' });
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    dataDir: dir,
    bin,
    port,
    /** Stops the server and keeps its data: for tests that take the database away and back. */
    pause: stop,
    resume: start,
    async stop() {
      stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
