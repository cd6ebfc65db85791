/**
 * A profile: everything needed to reach one API with one identity, as stored in config.json and
 * as given by command-line flags. Certificate files are stored by path and read on each run.
 */
import fs from 'node:fs';
import { ConfigurationError } from '../errors.js';
import type { Grant } from '../grants.js';
import type { OAuthClientOptions } from '../oauth-client.js';
import type { ClientAuthMethod } from '../token-request.js';
import type { TransportOptions } from '../transport.js';

export interface SideSettings {
  timeoutMs?: number;
  /** Paths of PEM files. */
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  proxy?: string;
}

export interface Profile {
  issuer?: string;
  tokenUrl?: string;
  authorizationUrl?: string;
  clientId?: string;
  clientSecret?: string;
  clientAuth?: ClientAuthMethod;
  grant?: ProfileGrant;
  username?: string;
  password?: string;
  apiKey?: string;
  apiKeyAuthType?: string;
  scope?: string;
  scheme?: 'Bearer' | 'OAuth';
  headers?: Record<string, string>;
  jsonTokenBody?: boolean;
  refreshMarginSeconds?: number;
  token?: SideSettings;
  api?: SideSettings;
}

const GRANTS = ['client_credentials', 'password', 'api_key', 'authorization_code'] as const;
export type ProfileGrant = (typeof GRANTS)[number];
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;

export type Flags = Record<string, string | boolean | string[] | undefined>;

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  const short = allowed.find((a) => a === value || a === `client_secret_${value}`);
  if (!short) throw new ConfigurationError(`--${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
  return short;
}

const str = (flags: Flags, name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);

/** Node's timers hold at most 2^31 − 1 ms (about 24 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A number of seconds or milliseconds, never negative; a timeout never 0 either, as that would
 * fail every request (or sign-in) at once, nor longer than a timer can wait.
 */
export function numberFlag(flags: Flags, flag: string, unit: 'seconds' | 'milliseconds'): number | undefined {
  const value = str(flags, flag);
  if (value === undefined) return undefined;
  const n = value.trim() === '' ? NaN : Number(value);
  const timeout = flag.endsWith('timeout');
  if (!Number.isFinite(n) || n < 0 || (timeout && n === 0)) throw new ConfigurationError(`--${flag} must be a ${timeout ? 'positive' : 'non-negative'} number of ${unit} (got "${value}")`);
  const max = unit === 'seconds' ? Math.floor(MAX_TIMER_MS / 1000) : MAX_TIMER_MS;
  if (timeout && n > max) throw new ConfigurationError(`--${flag} can be at most ${max} ${unit} (got "${value}")`);
  return n;
}

/** "Name: value" → [name, value], as curl's -H. */
export function headerPair(line: string, flag: string): [string, string] {
  const colon = line.indexOf(':');
  // The line is not echoed: its value may be the secret the header carries.
  if (colon <= 0) throw new ConfigurationError(`--${flag} takes "Name: value"; the value given has no "Name:" before it`);
  return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
}

function side(flags: Flags, prefix: 'token' | 'api'): SideSettings | undefined {
  const settings: SideSettings = {};
  const timeout = numberFlag(flags, `${prefix}-timeout`, 'milliseconds');
  if (timeout !== undefined) settings.timeoutMs = timeout;
  for (const [field, flag] of [['ca', 'ca'], ['cert', 'client-cert'], ['key', 'client-key'], ['proxy', 'proxy']] as const) {
    const value = str(flags, `${prefix}-${flag}`);
    if (value !== undefined) settings[field] = value;
  }
  if (flags[`${prefix}-insecure`] === true) settings.insecure = true;
  return Object.keys(settings).length ? settings : undefined;
}

/** The profile fields the flags set; flags left out stay undefined so a merge keeps stored values. */
export function profileFromFlags(flags: Flags): Profile {
  const profile: Profile = {};
  const set = <K extends keyof Profile>(key: K, value: Profile[K] | undefined) => {
    if (value !== undefined) profile[key] = value;
  };
  set('issuer', str(flags, 'issuer'));
  set('tokenUrl', str(flags, 'token-url'));
  set('authorizationUrl', str(flags, 'authorize-url'));
  set('clientId', str(flags, 'client-id'));
  set('clientSecret', str(flags, 'client-secret'));
  set('clientAuth', oneOf(str(flags, 'auth'), AUTH_METHODS, 'auth'));
  set('grant', oneOf(str(flags, 'grant'), GRANTS, 'grant'));
  set('username', str(flags, 'username'));
  set('password', str(flags, 'password'));
  set('apiKey', str(flags, 'api-key'));
  set('apiKeyAuthType', str(flags, 'auth-type'));
  set('scope', str(flags, 'scope'));
  set('scheme', oneOf(str(flags, 'scheme'), ['Bearer', 'OAuth'] as const, 'scheme'));
  set('refreshMarginSeconds', numberFlag(flags, 'refresh-margin', 'seconds'));
  if (flags['json-token-body'] === true) profile.jsonTokenBody = true;
  const extra = flags['extra-header'];
  if (Array.isArray(extra) && extra.length) profile.headers = Object.fromEntries(extra.map((line) => headerPair(line, 'extra-header')));
  set('token', side(flags, 'token'));
  set('api', side(flags, 'api'));
  return profile;
}

export function mergeProfiles(base: Profile, over: Profile): Profile {
  return { ...base, ...over, ...(base.token || over.token ? { token: { ...base.token, ...over.token } } : {}), ...(base.api || over.api ? { api: { ...base.api, ...over.api } } : {}), ...(base.headers || over.headers ? { headers: { ...base.headers, ...over.headers } } : {}) };
}

function grantOf(profile: Profile, name: string): Grant {
  switch (profile.grant ?? 'client_credentials') {
    case 'client_credentials':
      return { type: 'client_credentials' };
    case 'password':
      if (!profile.username || profile.password === undefined) throw new ConfigurationError('the password grant needs --username and --password');
      return { type: 'password', username: profile.username, password: profile.password };
    case 'api_key':
      if (!profile.apiKey) throw new ConfigurationError('the api_key grant needs --api-key');
      return { type: 'api_key', apiKey: profile.apiKey, ...(profile.apiKeyAuthType ? { authType: profile.apiKeyAuthType } : {}) };
    case 'authorization_code':
      return { type: 'authorization_code', subject: name };
  }
}

const readPem = (file: string, flag: string) => {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new ConfigurationError(`cannot read ${file} (--${flag}): ${(error as Error).message}`);
  }
};

function transport(settings: SideSettings | undefined, prefix: 'token' | 'api'): TransportOptions {
  if (!settings) return {};
  return {
    ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
    ...(settings.ca ? { ca: readPem(settings.ca, `${prefix}-ca`) } : {}),
    ...(settings.cert ? { cert: readPem(settings.cert, `${prefix}-client-cert`) } : {}),
    ...(settings.key ? { key: readPem(settings.key, `${prefix}-client-key`) } : {}),
    ...(settings.insecure ? { rejectUnauthorized: false } : {}),
    ...(settings.proxy ? { proxy: settings.proxy } : {}),
  };
}

export function clientOptions(profile: Profile, name: string): OAuthClientOptions {
  if (!profile.issuer && !profile.tokenUrl) throw new ConfigurationError(`profile "${name}" has neither --issuer nor --token-url; give one (and save it with: gatehouse-call profile save ${name} --issuer URL ...)`);
  if (!profile.clientId) throw new ConfigurationError(`profile "${name}" has no --client-id`);
  return {
    ...(profile.issuer ? { issuer: profile.issuer } : {}),
    ...(profile.tokenUrl ? { tokenUrl: profile.tokenUrl } : {}),
    ...(profile.authorizationUrl ? { authorizationUrl: profile.authorizationUrl } : {}),
    clientId: profile.clientId,
    ...(profile.clientSecret !== undefined ? { clientSecret: profile.clientSecret } : {}),
    ...(profile.clientAuth ? { clientAuth: profile.clientAuth } : {}),
    grant: grantOf(profile, name),
    ...(profile.scope ? { scope: profile.scope } : {}),
    ...(profile.scheme ? { authorizationScheme: profile.scheme } : {}),
    ...(profile.headers ? { headers: profile.headers } : {}),
    ...(profile.jsonTokenBody ? { tokenRequestBody: 'json' as const } : {}),
    ...(profile.refreshMarginSeconds !== undefined ? { refreshMarginSeconds: profile.refreshMarginSeconds } : {}),
    transport: { token: transport(profile.token, 'token'), api: transport(profile.api, 'api') },
  };
}
