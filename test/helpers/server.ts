/**
 * Real servers for tests: in-process (the whole app listening on a loopback port) or as a child
 * process (for crash and signal tests). Both are reached over real HTTP.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { createGatehouse, createLogger, type Gatehouse } from '../../src/gatehouse.js';
import { buildApp } from '../../src/app.js';
import { randomToken } from '../../src/crypto/random.js';
import { tempDir } from './databases.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ADMIN_ID = 'test-admin';
export const ADMIN_SECRET = 'test-admin-secret-0123456789abcdef0123456789';

export function baseEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GATEHOUSE_DATABASE_URL: databaseUrl,
    GATEHOUSE_DATA_DIR: tempDir(),
    GATEHOUSE_SECRET_KEY: `v1:${randomToken(256)}`,
    GATEHOUSE_ADMIN_CLIENT_ID: ADMIN_ID,
    GATEHOUSE_ADMIN_CLIENT_SECRET: ADMIN_SECRET,
    GATEHOUSE_DEMO: '0',
    GATEHOUSE_LOG_LEVEL: 'silent',
    GATEHOUSE_KEY_ACTIVATION_DELAY: '0',
    HOST: '127.0.0.1',
    ...extra,
  };
}

export interface TestServer {
  url: string;
  gh: Gatehouse;
  app: FastifyInstance;
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The app in this process, on an ephemeral loopback port (or `PORT` in `extra`, to restart a
 * server where its clients expect it); GATEHOUSE_ISSUER is its real address.
 */
export async function startServer(databaseUrl: string, extra: Record<string, string> = {}): Promise<TestServer> {
  const env = baseEnv(databaseUrl, extra);
  // The issuer must be the URL clients use, so listen first on a fixed free port.
  const port = Number(env.PORT) || (await freePort());
  env.PORT = String(port);
  env.GATEHOUSE_ISSUER ??= `http://127.0.0.1:${port}`;
  const config = loadConfig(env);
  const gh = await createGatehouse(config, createLogger(config));
  const app = await buildApp(gh);
  await app.listen({ host: '127.0.0.1', port });
  return {
    url: config.issuer,
    gh,
    app,
    env,
    async close() {
      await app.close();
      await gh.close();
    },
  };
}

export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ChildServer {
  url: string;
  process: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** `gatehouse serve` as a child process, waited on until /readyz answers 200. */
export async function spawnServer(env: Record<string, string>, args: string[] = []): Promise<ChildServer> {
  const port = Number(env.PORT) || (await freePort());
  const url = env.GATEHOUSE_ISSUER ?? `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), GATEHOUSE_ISSUER: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, process: child, output: () => output, exited };
}

/** One `gatehouse` command (src/main.ts) run to its end, e.g. `keys rotate` against a test server's env. */
export function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
