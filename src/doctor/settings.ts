/**
 * Findings about a tenant's settings: grants it allows at all, PKCE and redirect URI policy,
 * refresh grace, compatibility options that relax the standards, lockout and rate limits.
 */
import { call, type Finding, type Severity, type TenantScan } from './finding.js';
import { defaultSettings, type CompatSettings } from '../domain/tenant.js';

/** Why each compatibility option weakens the tenant, and how much. */
const COMPAT_RISKS: Record<keyof CompatSettings, { severity: Severity; reference: string; problem: string }> = {
  query_refresh: {
    severity: 'high',
    reference: 'RFC 9700 §4.3',
    problem: 'compat.query_refresh accepts refresh tokens in the query string, where proxies and access logs record them',
  },
  gam: {
    severity: 'medium',
    reference: 'RFC 9700 §2.3',
    problem: 'compat.gam is on: scope=FullControl grants every scope of the client, and the GAM endpoints accept a bare token in Authorization',
  },
  oauth_scheme: {
    severity: 'low',
    reference: 'RFC 6750 §2.1',
    problem: 'compat.oauth_scheme accepts "Authorization: OAuth <token>", a scheme intermediaries may not treat as a credential',
  },
  json_token_body: {
    severity: 'low',
    reference: 'RFC 6749 §4.1.3',
    problem: 'compat.json_token_body accepts JSON token requests besides the standard form encoding, one more parser facing the internet',
  },
};

/** Lockout weaker than this lets an online guesser try too many passwords (defaults: 30, 60 s, 900 s). */
const WEAK_LOCKOUT = { maxFailures: 100, minWaitIncrementS: 10, minMaxWaitS: 60 };

/** The limits that protect people's sign-ins (the per-client ones are opt-in by design). */
const BROWSER_RATE_LIMITS = ['authorize_per_source_per_min', 'login_per_account_per_min', 'login_per_source_per_min'];

/**
 * The browser-facing rate limits switched off (0), each with its default to restore. Read through
 * an untyped view so the doctor also runs against settings from before rate limits existed.
 */
function rateLimitsOff(settings: object): Record<string, number> {
  const view = (value: object): Record<string, unknown> => ((value as { rate_limits?: unknown }).rate_limits ?? {}) as Record<string, unknown>;
  const current = view(settings);
  const defaults = view(defaultSettings());
  const off: Record<string, number> = {};
  for (const name of BROWSER_RATE_LIMITS) {
    const fallback = defaults[name];
    if (current[name] === 0 && typeof fallback === 'number') off[name] = fallback;
  }
  return off;
}

export function settingsFindings(scan: TenantScan): Finding[] {
  const settings = scan.tenant.settings;
  const at = `${scan.adminApi}/settings`;
  const findings: Finding[] = [];
  const add = (finding: Omit<Finding, 'tenant' | 'target'>) => findings.push({ tenant: scan.tenant.id, target: 'settings', ...finding });

  const discouraged: string[] = settings.allowed_grants.filter((grant) => grant === 'implicit' || grant === 'password');
  if (discouraged.length > 0) {
    add({
      severity: 'low',
      check: 'settings.allowed-grants',
      reference: discouraged.includes('password') ? 'RFC 9700 §2.4' : 'RFC 9700 §2.1.2',
      problem: `allowed_grants permits ${discouraged.join(' and ')}, so an administrator can enable them on a client`,
      fix: call('PATCH', at, { allowed_grants: settings.allowed_grants.filter((grant) => !discouraged.includes(grant)) }),
    });
  }
  if (!settings.require_pkce) {
    add({
      severity: 'medium',
      check: 'settings.pkce',
      reference: 'RFC 9700 §2.1.1',
      problem: 'require_pkce is false: confidential clients without their own require_pkce may redeem codes without PKCE',
      fix: call('PATCH', at, { require_pkce: true }),
    });
  }
  if (settings.allow_insecure_redirect_uris) {
    add({
      severity: 'medium',
      check: 'settings.insecure-redirect-uris',
      reference: 'RFC 9700 §2.6',
      problem: 'allow_insecure_redirect_uris is true: clients may register http redirect URIs on non-loopback hosts',
      fix: call('PATCH', at, { allow_insecure_redirect_uris: false }),
    });
  }
  if (settings.refresh_token_grace_s > 0) {
    add({
      severity: 'low',
      check: 'settings.refresh-grace',
      reference: 'RFC 9700 §4.14.2',
      problem: `refresh_token_grace_s is ${settings.refresh_token_grace_s}: a rotated refresh token stays usable for that long`,
      fix: call('PATCH', at, { refresh_token_grace_s: 0 }),
    });
  }
  for (const option of Object.keys(COMPAT_RISKS) as (keyof CompatSettings)[]) {
    if (!settings.compat[option]) continue;
    add({ ...COMPAT_RISKS[option], check: `settings.compat.${option}`, fix: call('PATCH', at, { compat: { [option]: false } }) });
  }
  const lockout = settings.lockout;
  const weak = [
    lockout.max_failures > WEAK_LOCKOUT.maxFailures && `max_failures ${lockout.max_failures}`,
    lockout.wait_increment_s < WEAK_LOCKOUT.minWaitIncrementS && `wait_increment_s ${lockout.wait_increment_s}`,
    lockout.max_wait_s < WEAK_LOCKOUT.minMaxWaitS && `max_wait_s ${lockout.max_wait_s}`,
  ].filter((reason): reason is string => typeof reason === 'string');
  if (weak.length > 0) {
    add({
      severity: 'medium',
      check: 'settings.lockout',
      reference: 'RFC 6819 §4.4.3.6',
      problem: `the lockout barely slows password guessing (${weak.join(', ')})`,
      fix: call('PATCH', at, { lockout: { max_failures: 30, wait_increment_s: 60, max_wait_s: 900 } }),
    });
  }
  const unlimited = rateLimitsOff(settings);
  if (Object.keys(unlimited).length > 0) {
    add({
      severity: 'medium',
      check: 'settings.rate-limits',
      reference: 'RFC 6819 §4.4.3.6',
      problem: `rate limits are off on the sign-in endpoints (${Object.keys(unlimited).join(', ')} is 0): requests there are unbounded`,
      fix: call('PATCH', at, { rate_limits: unlimited }),
    });
  }
  return findings;
}
