// Starts Gatehouse itself (`serve`) as a child process with a throw-away SQLite
// database, the bootstrap admin client, and loopback-only listeners.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { startChildServer, tsxArgs, type ChildServer } from './child.js';
import { randomSecret, type ClientCredentials } from './oauth.js';
import { REPO_ROOT, repoPath } from './paths.js';
import { freePorts, LOOPBACK } from './ports.js';

export type GatehouseMode = 'dist' | 'tsx';

export interface GatehouseLaunch {
  mode: GatehouseMode;
  /** Arguments to the node binary. */
  args: string[];
  /** Why this mode was chosen, when it was not the obvious one. */
  note?: string;
}

export interface GatehouseInstance {
  /** OAuth server, e.g. http://127.0.0.1:40123 (also the issuer). */
  baseUrl: string;
  /** API gateway listener. */
  gatewayUrl: string;
  /** The bootstrap admin client: confidential, client_credentials, scope "admin". */
  admin: ClientCredentials;
  launch: GatehouseLaunch;
  server: ChildServer;
  /** Stops the process and deletes its database directory. */
  stop(): Promise<void>;
}

const BUILD_TIMEOUT_MS = 180_000;

/**
 * Prefers the compiled build (what production runs), rebuilding it when it is
 * missing or older than src/; falls back to running the sources under tsx when
 * the build fails. BENCH_GATEHOUSE=dist|tsx forces a mode.
 */
export async function resolveGatehouseLaunch(
  preference: string = process.env.BENCH_GATEHOUSE ?? 'auto',
  log: (message: string) => void = (message) => console.log(message),
): Promise<GatehouseLaunch> {
  if (!['auto', 'dist', 'tsx'].includes(preference)) {
    throw new Error(`BENCH_GATEHOUSE must be auto, dist or tsx, got ${preference}`);
  }
  const srcMain = repoPath('src', 'main.ts');
  const distMain = repoPath('dist', 'main.js');
  const dist: GatehouseLaunch = { mode: 'dist', args: [distMain, 'serve'] };
  const tsx: GatehouseLaunch = { mode: 'tsx', args: tsxArgs('src/main.ts', 'serve') };

  if (!existsSync(srcMain)) {
    if (preference !== 'tsx' && existsSync(distMain)) return { ...dist, note: 'src/main.ts missing; using existing dist/' };
    throw new Error('src/main.ts does not exist: the Gatehouse server has not been written yet');
  }
  if (preference === 'tsx') return tsx;

  const staleness = await distStaleness(distMain);
  if (staleness === undefined) return dist;

  log(`gatehouse: dist/main.js ${staleness}; building with tsc -p tsconfig.build.json ...`);
  const failure = await build();
  if (failure === undefined && existsSync(distMain)) return { ...dist, note: `rebuilt (dist/main.js ${staleness})` };
  if (preference === 'dist') throw new Error(`gatehouse build failed:\n${failure ?? 'dist/main.js not produced'}`);
  log('gatehouse: build failed, falling back to running src/ under tsx');
  return { ...tsx, note: `tsc build failed: ${(failure ?? 'dist/main.js not produced').split('\n')[0] ?? ''}` };
}

export async function startGatehouse(launch: GatehouseLaunch, extraEnv: Record<string, string> = {}): Promise<GatehouseInstance> {
  const [port, gatewayPort] = await freePorts(2);
  if (port === undefined || gatewayPort === undefined) throw new Error('could not allocate ports');
  const baseUrl = `http://${LOOPBACK}:${port}`;
  const admin: ClientCredentials = { clientId: 'bench-admin', clientSecret: randomSecret() };
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));

  let server: ChildServer;
  try {
    server = await startChildServer({
      name: 'gatehouse',
      args: launch.args,
      cwd: REPO_ROOT,
      env: {
        PORT: String(port),
        GATEWAY_PORT: String(gatewayPort),
        HOST: LOOPBACK,
        GATEHOUSE_DATABASE_URL: `sqlite:${join(dataDir, 'gh.db')}`,
        GATEHOUSE_ISSUER: baseUrl,
        GATEHOUSE_DEMO: '0',
        GATEHOUSE_SECRET_KEY: randomSecret(),
        GATEHOUSE_ADMIN_CLIENT_ID: admin.clientId,
        GATEHOUSE_ADMIN_CLIENT_SECRET: admin.clientSecret,
        GATEHOUSE_LOG_LEVEL: 'warn',
        ...extraEnv,
      },
      readyUrl: `${baseUrl}/readyz`,
      readyTimeoutMs: 60_000,
    });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }

  return {
    baseUrl,
    gatewayUrl: `http://${LOOPBACK}:${gatewayPort}`,
    admin,
    launch,
    server,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** undefined when dist/main.js is up to date, else why it is not. */
async function distStaleness(distMain: string): Promise<string | undefined> {
  if (!existsSync(distMain)) return 'is missing';
  const builtAt = (await stat(distMain)).mtimeMs;
  const srcDir = repoPath('src');
  for (const entry of await readdir(srcDir, { recursive: true })) {
    if ((await stat(join(srcDir, entry))).mtimeMs > builtAt) return `is older than src/${entry}`;
  }
  return undefined;
}

/** Runs the project's build; undefined on success, else tsc's output. */
async function build(): Promise<string | undefined> {
  try {
    await promisify(execFile)(process.execPath, [repoPath('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
      cwd: REPO_ROOT,
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return undefined;
  } catch (err) {
    const { stdout, stderr, message } = err as { stdout?: string; stderr?: string; message: string };
    return `${stdout ?? ''}${stderr ?? ''}`.trim() || message;
  }
}
