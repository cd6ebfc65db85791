// Starts Gatehouse itself (`serve`) as a child process with a throw-away SQLite
// database (or a shared one, for several nodes), the bootstrap admin client, and
// loopback-only listeners.
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { registerCleanup, startChildServer, tsxArgs, type ChildServer } from './child.js';
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
  /** OAuth server, e.g. http://127.0.0.1:40123 (also the issuer, unless one was given). */
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
 * the build fails. BENCH_GATEHOUSE=dist|tsx forces a mode; BENCH_PROFILE_DIR profiles a dist run.
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
  // BENCH_PROFILE_DIR: the Gatehouse process writes a V8 CPU profile there when it stops (NODE_OPTIONS refuses --cpu-prof).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const dist: GatehouseLaunch = { mode: 'dist', args: [...profile, distMain, 'serve'] };
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

/**
 * How one node is set up. The defaults give a single node on its own throw-away SQLite file;
 * nodes of one deployment (several on one PostgreSQL database) share the database, the issuer,
 * the secret key and the bootstrap admin client — a node given another admin secret would
 * reset it in the shared store, locking the others' admin client out.
 */
export interface GatehouseOptions {
  /** Label in log lines and errors, to tell nodes apart. */
  name?: string;
  databaseUrl?: string;
  /** Default: this node's own base URL. */
  issuer?: string;
  secretKey?: string;
  admin?: ClientCredentials;
  /** Added last: overrides everything above. */
  env?: Record<string, string>;
}

export async function startGatehouse(launch: GatehouseLaunch, options: GatehouseOptions = {}): Promise<GatehouseInstance> {
  const [port, gatewayPort] = await freePorts(2);
  if (port === undefined || gatewayPort === undefined) throw new Error('could not allocate ports');
  const baseUrl = `http://${LOOPBACK}:${port}`;
  const gatewayUrl = `http://${LOOPBACK}:${gatewayPort}`;
  const admin: ClientCredentials = options.admin ?? { clientId: 'bench-admin', clientSecret: randomSecret() };
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
  // Also when the run is interrupted (SIGINT), which stops the children without calling stop() below.
  const forgetDataDir = registerCleanup(() => rmSync(dataDir, { recursive: true, force: true }));

  let server: ChildServer;
  try {
    server = await startChildServer({
      name: options.name ?? 'gatehouse',
      args: launch.args,
      cwd: REPO_ROOT,
      env: {
        PORT: String(port),
        GATEWAY_PORT: String(gatewayPort),
        HOST: LOOPBACK,
        GATEHOUSE_DATABASE_URL: options.databaseUrl ?? `sqlite:${join(dataDir, 'gh.db')}`,
        // Without it a PostgreSQL node would default to ./data under the repository.
        GATEHOUSE_DATA_DIR: dataDir,
        GATEHOUSE_ISSUER: options.issuer ?? baseUrl,
        GATEHOUSE_DEMO: '0',
        GATEHOUSE_SECRET_KEY: options.secretKey ?? randomSecret(),
        GATEHOUSE_ADMIN_CLIENT_ID: admin.clientId,
        GATEHOUSE_ADMIN_CLIENT_SECRET: admin.clientSecret,
        GATEHOUSE_LOG_LEVEL: 'warn',
        ...options.env,
      },
      // The gateway listens after the OAuth app (src/main.ts), so its readiness implies both;
      // it also reports whether the node follows the change feed.
      readyUrl: `${gatewayUrl}/readyz`,
      readyTimeoutMs: 60_000,
    });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    forgetDataDir();
    throw err;
  }

  return {
    baseUrl,
    gatewayUrl,
    admin,
    launch,
    server,
    stop: async () => {
      await server.stop();
      // Forgotten only once removed: an exit while rm is under way must still find it registered.
      await rm(dataDir, { recursive: true, force: true });
      forgetDataDir();
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
