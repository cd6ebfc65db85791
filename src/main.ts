#!/usr/bin/env node
/**
 * The gatehouse command: `serve [--role all|auth|gateway]`, `migrate`, `keys list|rotate|withdraw`, `doctor`.
 */
import { isIP } from 'node:net';
import { loadConfig, listenError, ConfigError, type Config } from './config.js';
import { createGatehouse, createLogger, type Gatehouse } from './gatehouse.js';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { buildGateway } from './gateway/server.js';
import { seedDemo, startDemoUpstream } from './gateway/demo.js';
import { openDb } from './store/db.js';
import { migrateToLatest } from './store/migrate.js';
import { DEFAULT_TENANT_ID } from './domain/tenant.js';
import { doctor } from './doctor/command.js';

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index >= 0) return args[index + 1];
  const inline = args.find((arg) => arg.startsWith(`${name}=`));
  return inline?.slice(name.length + 1);
}

/** Listens on HOST and the port of `portVariable`; a refusal names the variable to change. */
async function listen(server: FastifyInstance, config: Config, port: number, portVariable: string): Promise<void> {
  try {
    await server.listen({ host: config.host, port });
  } catch (error) {
    // The metrics listener opens while the app gets ready, and has already named its own port.
    throw error instanceof ConfigError ? error : listenError(error, config.host, port, portVariable);
  }
}

const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * The README's round trip with this node's addresses, on stdout rather than in the log: it is for
 * the person who ran `npm start`, whatever GATEHOUSE_LOG_LEVEL. It reads the secret from the
 * owner-only file when run, so the secret itself is never printed.
 */
function demoQuickStart(config: Config, credentialsFile: string): string {
  const host = isIP(config.host) === 6 ? `[${config.host}]` : config.host;
  const photos = `http://${host}:${config.gatewayPort}/demo/photos`;
  const readCredentials = `const c=require(${JSON.stringify(credentialsFile)}); c.client_id+":"+c.client_secret`;
  return [
    '',
    `Demo quick start: PhotoStorage is behind the gateway at ${photos} (scope photos.read).`,
    `Its client's credentials are in ${credentialsFile} (readable by you only). Get a token and call it:`,
    '',
    `  CRED=$(node -p ${shellQuote(readCredentials)})`,
    `  TOKEN=$(curl -s -u "$CRED" -d grant_type=client_credentials ${config.issuer}/oauth/token | node -p 'JSON.parse(require("fs").readFileSync(0)).access_token')`,
    `  curl -H "Authorization: Bearer $TOKEN" ${photos}`,
    '',
    '',
  ].join('\n');
}

async function serve(config: Config): Promise<void> {
  const log = createLogger(config);
  const gh = await createGatehouse(config, log);
  let draining = false;
  const isDraining = () => draining;
  const servers: FastifyInstance[] = [];
  // The demo's upstream lives in this process, and a PostgreSQL store is shared by nodes that
  // would each re-point its service to themselves: it is for one node on SQLite.
  const demoWanted = config.demo && config.role === 'all';
  const demo = demoWanted && gh.store.dialect === 'sqlite' ? await startDemoUpstream() : undefined;
  if (demoWanted && !demo) log.info('demo: not seeded on PostgreSQL (it runs on one node with SQLite)');
  let demoCredentials: string | undefined;
  if (demo) {
    const address = demo.server.address() as { port: number };
    demoCredentials = await seedDemo(gh, `http://127.0.0.1:${address.port}`);
    log.info({ credentials: demoCredentials }, `demo: PhotoStorage under http://${config.host}:${config.gatewayPort}/demo/photos (scope photos.read); client credentials in ${demoCredentials}`);
  }
  if (config.role !== 'gateway') {
    const app = await buildApp(gh, { isDraining });
    await listen(app, config, config.port, 'PORT');
    servers.push(app);
  }
  if (config.role !== 'auth') {
    const gateway = await buildGateway(gh, { services: gh.services, matchers: gh.matchers, feedHealthy: () => gh.feed.healthy(config.feedStaleMs), isDraining });
    await listen(gateway, config, config.gatewayPort, 'GATEWAY_PORT');
    servers.push(gateway);
  }
  log.info({ issuer: config.issuer, port: config.port, gatewayPort: config.gatewayPort, role: config.role }, 'Gatehouse is serving');
  // Once both ports listen, so every command it shows works when it is shown.
  if (demoCredentials) process.stdout.write(demoQuickStart(config, demoCredentials));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    draining = true;
    log.info({ signal }, 'draining: no new connections, finishing requests in flight');
    const forced = setTimeout(() => {
      log.error('in-flight requests did not finish within 25 s; exiting');
      process.exit(1);
    }, 25_000);
    forced.unref();
    try {
      await Promise.all(servers.map((server) => server.close()));
      await demo?.close();
      await gh.close();
      log.info('stopped cleanly');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

async function migrate(config: Config): Promise<void> {
  const db = openDb(config.databaseUrl);
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
  } finally {
    await db.close();
  }
}

/**
 * Runs a `keys` subcommand on one tenant, as a node that serves nothing. Without the first-start
 * bootstrap: run with another shell's PORT or issuer, it would re-point the console clients of
 * the nodes that serve (and reset the bootstrap admin's secret to this shell's).
 */
async function withTenant(config: Config, tenantId: string, fn: (gh: Gatehouse) => Promise<void>): Promise<void> {
  const gh = await createGatehouse({ ...config, demo: false }, createLogger({ logLevel: 'warn' }), { embedded: true });
  try {
    // Keys are made on first use: an unknown tenant must not get one (nor a foreign-key error).
    if (!(await gh.tenants.get(tenantId))) throw new Error(`no tenant "${tenantId}"`);
    await fn(gh);
  } finally {
    await gh.close();
  }
}

const isoTime = (s: number | null) => (s === null ? '-' : new Date(s * 1000).toISOString());

async function keys(config: Config, args: string[]): Promise<boolean> {
  const [, sub, kid] = args;
  const tenantId = option(args, '--tenant') ?? DEFAULT_TENANT_ID;
  switch (sub) {
    case 'list':
      await withTenant(config, tenantId, async (gh) => {
        console.log(['kid', 'status', 'created', 'activates', 'retires', 'withdrawn'].join('\t'));
        for (const key of await gh.keys.list(tenantId)) {
          console.log([key.kid, key.status, isoTime(key.createdAt), isoTime(key.activatesAt), isoTime(key.retiresAt), isoTime(key.withdrawnAt)].join('\t'));
        }
      });
      return true;
    case 'rotate':
      await withTenant(config, tenantId, async (gh) => {
        const { kid: newKid, activatesAt } = await gh.keys.rotate(tenantId);
        console.log(`new signing key ${newKid} for tenant ${tenantId}: published now, signing from ${isoTime(activatesAt)}`);
      });
      return true;
    case 'withdraw':
      // A kid is base64url and may start with '-': it is the word after `withdraw`, whatever it looks like.
      if (!kid) return false;
      await withTenant(config, tenantId, async (gh) => {
        const { replacement } = await gh.keys.withdraw(tenantId, kid, option(args, '--reason') ?? null);
        console.log(`signing key ${kid} of tenant ${tenantId} withdrawn: out of the JWKS, its tokens refused`);
        if (replacement) console.log(`new signing key ${replacement.kid} signs from now on`);
      });
      return true;
  }
  return false;
}

const USAGE = `usage:
  gatehouse serve [--role all|auth|gateway]   start the server (what npm start runs)
  gatehouse migrate                           apply database migrations and exit
  gatehouse keys list [--tenant ID]           list signing keys: kid, status, created, activates, retires, withdrawn
  gatehouse keys rotate [--tenant ID]         add a signing key; nodes switch to it after GATEHOUSE_KEY_ACTIVATION_DELAY
  gatehouse keys withdraw KID [--tenant ID] [--reason TEXT]
                                              withdraw a (leaked) key at once: out of the JWKS, its tokens refused;
                                              the key signing now is first replaced by one that signs at once
  gatehouse doctor [--tenant ID] [--fail-on high|medium|low] [--json]
                                              print the security posture; exit 3 on findings at or above --fail-on (default high)`;

async function main(args: string[]): Promise<void> {
  const [command] = args;
  const config = loadConfig(process.env, { role: option(args, '--role') });
  switch (command) {
    case 'serve':
      return serve(config);
    case 'migrate':
      return migrate(config);
    case 'keys':
      if (await keys(config, args)) return;
      break;
    case 'doctor':
      return doctor(config, { tenant: option(args, '--tenant'), failOn: option(args, '--fail-on'), json: args.includes('--json') });
  }
  console.error(USAGE);
  process.exit(2);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`gatehouse: configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(`gatehouse: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
