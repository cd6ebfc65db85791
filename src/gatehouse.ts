/**
 * The running server's parts, wired once: the store, the change feed and what hangs off it, the
 * key ring, registries and token services. HTTP layers (oauth, admin, gateway) receive this.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { ConfigError } from './config.js';
import { openDb } from './store/db.js';
import { migrateToLatest } from './store/migrate.js';
import { createStore, type Store } from './store/index.js';
import { ServerSecret } from './crypto/server-secret.js';
import { randomToken } from './crypto/random.js';
import { ChangeFeed } from './events/change-feed.js';
import { TenantRegistry } from './core/tenants.js';
import { KeyRing } from './core/key-ring.js';
import { ScopeRegistry } from './core/scopes.js';
import { ClientRegistry } from './core/clients.js';
import { TokenWriter } from './core/token-writer.js';
import { RevocationState } from './core/revocation.js';
import { TokenAdmin } from './core/tokens.js';
import { TokenCutOffs } from './core/token-cut-offs.js';
import { AccessTokens } from './oauth/access-tokens.js';
import { TokenVerifier } from './oauth/token-verifier.js';
import { ClientAuthenticator } from './oauth/client-auth.js';
import { bootstrap } from './bootstrap.js';
import { Maintenance } from './core/maintenance.js';
import { UserRegistry } from './core/users.js';
import { Lockout } from './core/lockout.js';
import { UserTokens } from './oauth/user-tokens.js';
import { PgListener } from './events/pg-listener.js';
import { ServiceRegistry } from './gateway/services.js';
import { ScopeMatchers } from './gateway/scope-matchers.js';
import { TenantAdmin } from './core/tenant-admin.js';
import { ApiKeys } from './core/api-keys.js';
import { GatehouseMetrics } from './metrics/gatehouse-metrics.js';
import { RateLimiter } from './ratelimit/limiter.js';
import { MemoryCounters } from './ratelimit/counters.js';
import { RefusalAudit } from './ratelimit/refusal-audit.js';
import { lockoutAudit } from './core/lockout-audit.js';

export interface Gatehouse {
  config: Config;
  log: Logger;
  store: Store;
  secret: ServerSecret;
  feed: ChangeFeed;
  tenants: TenantRegistry;
  keys: KeyRing;
  scopes: ScopeRegistry;
  clients: ClientRegistry;
  writer: TokenWriter;
  revocations: RevocationState;
  accessTokens: AccessTokens;
  tokenVerifier: TokenVerifier;
  tokenAdmin: TokenAdmin;
  clientAuth: ClientAuthenticator;
  users: UserRegistry;
  userTokens: UserTokens;
  services: ServiceRegistry;
  matchers: ScopeMatchers;
  tenantAdmin: TenantAdmin;
  apiKeys: ApiKeys;
  metrics: GatehouseMetrics;
  rateLimiter: RateLimiter;
  /** Flushes pending writes and closes the store. */
  close(): Promise<void>;
}

export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.client_secret',
  '*.password',
  '*.refresh_token',
  '*.access_token',
  '*.code',
  '*.api_key',
  '*.secret',
];

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, redact: { paths: LOG_REDACT, censor: '[redacted]' } });
}

/** GATEHOUSE_SECRET_KEY, or on a single SQLite node one generated into the data directory. */
function serverSecret(config: Config, log: Logger): ServerSecret {
  if (config.secretKey) return new ServerSecret(config.secretKey);
  if (!config.databaseUrl.startsWith('sqlite:')) {
    throw new ConfigError('GATEHOUSE_SECRET_KEY', 'is required with PostgreSQL: every node must share the same value');
  }
  const file = path.join(config.dataDir, 'secret.key');
  let stored: string;
  try {
    if (!fs.existsSync(file)) {
      fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(file, `v1:${randomToken(256)}\n`, { mode: 0o600, flag: 'wx' });
      log.info({ file }, 'generated GATEHOUSE_SECRET_KEY into the data directory (owner-only); back it up with the database');
    }
    stored = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('GATEHOUSE_DATA_DIR', `cannot create or read ${file}`, error);
  }
  return new ServerSecret(stored.trim());
}

export interface CreateOptions {
  /**
   * Embedded in another process (the resource-server library) or run by a command on a store
   * that nodes serve (`gatehouse keys`): no bootstrap of tenants or clients, no background
   * maintenance.
   */
  embedded?: boolean;
}

export async function createGatehouse(config: Config, log: Logger = createLogger(config), options: CreateOptions = {}): Promise<Gatehouse> {
  // The store before the secret: the data directory defaults to the SQLite file's folder, and an
  // unusable SQLite path is then blamed on GATEHOUSE_DATABASE_URL, the variable that was set.
  const db = openDb(config.databaseUrl);
  let secret: ServerSecret;
  try {
    secret = serverSecret(config, log);
    const applied = await migrateToLatest(db);
    if (applied.length) log.info({ applied }, 'migrations applied');
  } catch (error) {
    await db.close();
    throw error;
  }
  const store = createStore(db);
  const feed = new ChangeFeed(store);
  const metrics = new GatehouseMetrics();
  metrics.watchFeed(feed);
  // Event times are whole seconds: the lag is measured from the middle of the event's second.
  feed.on((event) => metrics.feedLag.observe({}, Math.max(0, Date.now() / 1000 - event.createdAt - 0.5)));
  const tenants = new TenantRegistry(store, config.issuer, feed);
  const keys = new KeyRing(store, secret, feed, config.keyActivationDelayS);
  const scopes = new ScopeRegistry(store, feed);
  const clients = new ClientRegistry(store, feed, secret, scopes, config.maxTokenLifetimeS);
  const writer = new TokenWriter(store, config.writeBatchMaxSize, config.writeBatchMaxDelayMs);
  const revocations = new RevocationState();
  feed.on((event) => revocations.apply(event));
  const accessTokens = new AccessTokens(keys, writer, config.maxTokenLifetimeS);
  const users = new UserRegistry(store, feed, new Lockout(store, lockoutAudit(store, metrics)));
  const tokenAdmin = new TokenAdmin(store, feed, accessTokens, new TokenCutOffs(clients, users, keys));
  const tokenVerifier = new TokenVerifier(keys, revocations, clients, users, tenants, scopes);
  const userTokens = new UserTokens(accessTokens, keys, secret);
  const clientAuth = new ClientAuthenticator(clients, secret);

  await feed.start();
  await revocations.load(store);
  // A node that missed purged events cannot patch its state: it reloads it whole.
  feed.onReset(async () => {
    await revocations.load(store);
    clients.forgetAll();
    users.forgetAll();
  });
  if (store.dialect === 'postgres') {
    const listener = new PgListener(config.databaseUrl, (reconnected) => feed.wake(reconnected), log);
    feed.useTransport(listener);
    await listener.start();
  }
  const services = new ServiceRegistry(store, feed);
  const matchers = new ScopeMatchers(scopes, feed);
  const maintenance = new Maintenance({ store, keys, revocations, log, auditRetentionS: config.auditRetentionDays * 86400 });
  // One SQLite node keeps its counters in memory; PostgreSQL nodes share theirs in the store.
  const shared = store.dialect === 'postgres';
  const rateLimiter = new RateLimiter({ counters: shared ? store.rateLimits : new MemoryCounters(), shared, metrics, audit: new RefusalAudit(store, log), log });

  const gatehouse: Gatehouse = {
    config,
    log,
    store,
    secret,
    feed,
    tenants,
    keys,
    scopes,
    clients,
    writer,
    revocations,
    accessTokens,
    tokenVerifier,
    tokenAdmin,
    clientAuth,
    users,
    userTokens,
    services,
    matchers,
    tenantAdmin: new TenantAdmin(store, feed, tenants, clients),
    apiKeys: new ApiKeys(store, feed, secret, clients, users, scopes),
    metrics,
    rateLimiter,
    async close() {
      maintenance.stop();
      await writer.close();
      await feed.stop();
      await store.close();
    },
  };
  if (options.embedded) return gatehouse;
  try {
    await bootstrap(gatehouse);
  } catch (error) {
    await gatehouse.close();
    throw error;
  }
  maintenance.start();
  return gatehouse;
}
