/**
 * The Store: narrow repositories over one database, and transactions that span them.
 * Every repository works the same on SQLite and PostgreSQL (test/store runs on both).
 */
import type { Db, Dialect } from './db.js';
import type { Executor } from './executor.js';
import { AuditStore } from './audit.js';
import { ClientStore } from './clients.js';
import { EventStore } from './events.js';
import { KeyStore } from './keys.js';
import { ScopeStore } from './scopes.js';
import { TenantStore } from './tenants.js';
import { TokenStore } from './tokens.js';
import { UserStore } from './users.js';
import { SessionStore } from './sessions.js';
import { GrantStore } from './grants.js';
import { LockoutStore } from './lockout.js';
import { ServiceStore } from './services.js';
import { ApiKeyStore } from './api-keys.js';
import { RateLimitStore } from './rate-limits.js';
import { TransactionBatcher } from './transaction-batcher.js';
import { asDuplicate } from './duplicates.js';

export interface Repositories {
  tenants: TenantStore;
  keys: KeyStore;
  clients: ClientStore;
  scopes: ScopeStore;
  tokens: TokenStore;
  events: EventStore;
  audit: AuditStore;
  users: UserStore;
  sessions: SessionStore;
  grants: GrantStore;
  lockout: LockoutStore;
  services: ServiceStore;
  apiKeys: ApiKeyStore;
  rateLimits: RateLimitStore;
}

function repositories(db: Executor, dialect: Dialect): Repositories {
  return {
    tenants: new TenantStore(db),
    keys: new KeyStore(db),
    clients: new ClientStore(db),
    scopes: new ScopeStore(db),
    tokens: new TokenStore(db),
    events: new EventStore(db, dialect),
    audit: new AuditStore(db),
    users: new UserStore(db),
    sessions: new SessionStore(db),
    grants: new GrantStore(db),
    lockout: new LockoutStore(db),
    services: new ServiceStore(db, dialect),
    apiKeys: new ApiKeyStore(db),
    rateLimits: new RateLimitStore(db),
  };
}

export interface Store extends Repositories {
  dialect: Dialect;
  /**
   * Runs `fn` in one transaction: all of its writes commit together or not at all. A write that
   * hits a unique key fails with a DuplicateError.
   */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /** A cheap round trip, for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Readiness probes must hear of an outage quickly: a database that stops answering without
 * closing its connections would otherwise hold the probe for as long as TCP does.
 */
const PING_TIMEOUT_MS = 2_000;

class StoreTimeout extends Error {
  readonly code = 'ETIMEDOUT';
}

async function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeout(`the store did not answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function createStore(db: Db): Store {
  // SQLite has a single writer: its transactions are group-committed. PostgreSQL runs them side by side.
  const batcher = db.dialect === 'sqlite' ? new TransactionBatcher(db.kysely) : undefined;
  return {
    ...repositories(db.kysely, db.dialect),
    dialect: db.dialect,
    transaction: (fn) => {
      const run = batcher ? batcher.run((trx) => fn(repositories(trx, db.dialect))) : db.kysely.transaction().execute((trx) => fn(repositories(trx, db.dialect)));
      return run.catch((error: unknown) => {
        throw asDuplicate(error);
      });
    },
    ping: () => withDeadline(db.kysely.selectFrom('tenants').select('id').limit(1).execute(), PING_TIMEOUT_MS),
    close: () => db.close(),
  };
}
