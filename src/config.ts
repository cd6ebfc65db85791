/**
 * One validated configuration object, read from the environment (INTERFACE.md "Starting it").
 * A bad value stops the process with a message naming the variable, never a default silently used.
 */
import path from 'node:path';
import { isIP } from 'node:net';

export type Role = 'all' | 'auth' | 'gateway';

export interface Config {
  host: string;
  port: number;
  gatewayPort: number;
  databaseUrl: string;
  issuer: string;
  dataDir: string;
  adminClientId: string | undefined;
  adminClientSecret: string | undefined;
  /** Raw GATEHOUSE_SECRET_KEY; parsed into versions by crypto/server-secret.ts. */
  secretKey: string | undefined;
  demo: boolean;
  /** Ceiling for "never expires" tokens, in seconds. */
  maxTokenLifetimeS: number;
  /** Delay between publishing a rotated signing key and signing with it. */
  keyActivationDelayS: number;
  logLevel: string;
  role: Role;
  /** Upper bound on how long a token record may wait for its group commit. */
  writeBatchMaxDelayMs: number;
  writeBatchMaxSize: number;
  /** How long a node may be cut off from the change feed before its gateway fails closed (503). */
  feedStaleMs: number;
  /** Port of the Prometheus `/metrics` listener on HOST; undefined = not served. */
  metricsPort: number | undefined;
  /**
   * Addresses or CIDR ranges of the load balancers whose X-Forwarded-For is believed: the client
   * address rate limits, lockout and audit use. Empty: the socket's peer is the client.
   */
  trustProxy: string[];
  /** Days audit events are kept before the background purge deletes them. */
  auditRetentionDays: number;
}

export class ConfigError extends Error {
  /** `cause`: what the system said when the value was used (a path, an address), shown after the message. */
  constructor(
    readonly variable: string,
    message: string,
    cause?: unknown,
  ) {
    super(`${variable}: ${message}${cause === undefined ? '' : ` (${cause instanceof Error ? cause.message : String(cause)})`}`, { cause });
    this.name = 'ConfigError';
  }
}

/**
 * A listener that would not open. A port that is taken or privileged is its variable's fault;
 * anything else (an unknown name, an address not on this machine) is HOST's.
 */
export function listenError(error: unknown, host: string, port: number, portVariable: string): ConfigError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const variable = code === 'EADDRINUSE' || code === 'EACCES' ? portVariable : 'HOST';
  return new ConfigError(variable, `cannot listen on ${host}:${port}`, error);
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `expected 1/0, true/false, yes/no or on/off, got "${raw}"`);
}

function databaseUrl(env: Env): string {
  const raw = env.GATEHOUSE_DATABASE_URL?.trim() || 'sqlite:./data/gatehouse.db';
  if (raw.startsWith('sqlite:')) {
    if (raw.length === 'sqlite:'.length) throw new ConfigError('GATEHOUSE_DATABASE_URL', 'sqlite: needs a file path, e.g. sqlite:./data/gatehouse.db');
    return raw;
  }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError('GATEHOUSE_DATABASE_URL', 'not a valid postgres:// URL');
    }
    return raw;
  }
  throw new ConfigError('GATEHOUSE_DATABASE_URL', `must start with sqlite: or postgres://, got "${raw.split(':')[0]}:…"`);
}

function issuer(env: Env, port: number): string {
  const raw = env.GATEHOUSE_ISSUER?.trim() || `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('GATEHOUSE_ISSUER', `not an absolute URL: "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('GATEHOUSE_ISSUER', 'must be an http(s) URL');
  if (url.search || url.hash) throw new ConfigError('GATEHOUSE_ISSUER', 'must not have a query or fragment (RFC 8414 §2)');
  // Every route is served from the root of the origin (tenants under /t/{id}): an issuer with a
  // path would advertise endpoints and a metadata URL that nothing serves.
  if (url.pathname !== '/') throw new ConfigError('GATEHOUSE_ISSUER', `must be an origin without a path, like https://auth.example.com (got path "${url.pathname}")`);
  return raw.replace(/\/+$/, '');
}

/** The role from `--role`, else GATEHOUSE_ROLE: an error names the one that was given. */
function role(flag: string | undefined, variable: string | undefined): Role {
  const value = flag ?? variable ?? 'all';
  if (value === 'all' || value === 'auth' || value === 'gateway') return value;
  throw new ConfigError(flag !== undefined ? '--role' : 'GATEHOUSE_ROLE', `must be all, auth or gateway, got "${value}"`);
}

export function loadConfig(env: Env = process.env, overrides: { role?: string } = {}): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const gatewayPort = integer(env, 'GATEWAY_PORT', 8081, 0, 65535);
  const url = databaseUrl(env);
  const dataDir = env.GATEHOUSE_DATA_DIR?.trim() || (url.startsWith('sqlite:') ? path.dirname(url.slice('sqlite:'.length)) : './data');
  const adminClientSecret = env.GATEHOUSE_ADMIN_CLIENT_SECRET || undefined;
  if (adminClientSecret !== undefined && adminClientSecret.length < 32) {
    throw new ConfigError('GATEHOUSE_ADMIN_CLIENT_SECRET', 'must be at least 32 characters');
  }
  const adminClientId = env.GATEHOUSE_ADMIN_CLIENT_ID?.trim() || undefined;
  if ((adminClientId === undefined) !== (adminClientSecret === undefined)) {
    throw new ConfigError(adminClientId ? 'GATEHOUSE_ADMIN_CLIENT_SECRET' : 'GATEHOUSE_ADMIN_CLIENT_ID', 'set both GATEHOUSE_ADMIN_CLIENT_ID and GATEHOUSE_ADMIN_CLIENT_SECRET, or neither');
  }
  const logLevel = env.GATEHOUSE_LOG_LEVEL?.trim() || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('GATEHOUSE_LOG_LEVEL', `unknown level "${logLevel}"`);
  }
  return {
    host: env.HOST?.trim() || '127.0.0.1',
    port,
    gatewayPort,
    databaseUrl: url,
    issuer: issuer(env, port),
    dataDir,
    adminClientId,
    adminClientSecret,
    secretKey: env.GATEHOUSE_SECRET_KEY || undefined,
    demo: flag(env, 'GATEHOUSE_DEMO', true),
    maxTokenLifetimeS: integer(env, 'GATEHOUSE_MAX_TOKEN_LIFETIME', 10 * 365 * 24 * 3600, 60, 100 * 365 * 24 * 3600),
    keyActivationDelayS: integer(env, 'GATEHOUSE_KEY_ACTIVATION_DELAY', 60, 0, 7 * 24 * 3600),
    logLevel,
    role: role(overrides.role, env.GATEHOUSE_ROLE),
    writeBatchMaxDelayMs: integer(env, 'GATEHOUSE_WRITE_BATCH_DELAY_MS', 2, 0, 1000),
    writeBatchMaxSize: integer(env, 'GATEHOUSE_WRITE_BATCH_SIZE', 512, 1, 10000),
    feedStaleMs: integer(env, 'GATEHOUSE_FEED_STALE_MS', 5000, 100, 600_000),
    metricsPort: env.GATEHOUSE_METRICS_PORT?.trim() ? integer(env, 'GATEHOUSE_METRICS_PORT', 0, 1, 65535) : undefined,
    trustProxy: trustedProxies(env),
    auditRetentionDays: integer(env, 'GATEHOUSE_AUDIT_RETENTION_DAYS', 365, 1, 36500),
  };
}

function trustedProxies(env: Env): string[] {
  const entries = (env.GATEHOUSE_TRUST_PROXY ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    if (!family || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
      throw new ConfigError('GATEHOUSE_TRUST_PROXY', `expected IP addresses or CIDR ranges separated by commas, got "${entry}"`);
    }
  }
  return entries;
}
