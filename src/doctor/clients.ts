/**
 * Findings about each client's metadata: discouraged grants, PKCE opt-outs, token and refresh
 * lifetimes without end, http redirect URIs, admin secrets that never expire, and secrets that
 * are about to expire (or have).
 */
import { isConfidential, isLoopbackHost, type Client } from '../domain/client.js';
import { effectiveRequirePkce } from '../core/clients.js';
import { call, type Finding, type TenantScan } from './finding.js';

/** A client may be given at most a day-long access token before the doctor mentions it. */
const LONG_ACCESS_TOKEN_S = 86_400;
/** A secret this close to its expiry is reported, so that it is rotated before the client is locked out. */
const SECRET_EXPIRY_NOTICE_S = 7 * 86_400;
/** What the fixes propose: the new secret lives 90 days, the replaced one keeps working one more day. */
const ROTATION = { previous_secret_valid_for_s: 86_400, expires_in_s: 90 * 86_400 };

function insecure(uris: string[]): string[] {
  return uris.filter((uri) => {
    try {
      const url = new URL(uri);
      return url.protocol === 'http:' && !isLoopbackHost(url.hostname);
    } catch {
      return false;
    }
  });
}

/** grant_types without `removed`, falling back to `replacement`, with the response_types that go with them. */
function withoutGrant(client: Client, removed: string, replacement: string): { grant_types: string[]; response_types: string[] } {
  const kept = client.grantTypes.filter((grant) => grant !== removed);
  const grants = kept.some((grant) => grant !== 'refresh_token') ? kept : [replacement, ...kept];
  return {
    grant_types: grants,
    response_types: [...(grants.includes('authorization_code') ? ['code'] : []), ...(grants.includes('implicit') ? ['token'] : [])],
  };
}

export function clientFindings(scan: TenantScan): Finding[] {
  const findings: Finding[] = [];
  const settings = scan.tenant.settings;
  for (const client of scan.clients) {
    const at = `${scan.adminApi}/clients/${encodeURIComponent(client.clientId)}`;
    const add = (finding: Omit<Finding, 'tenant' | 'target'>) => findings.push({ tenant: scan.tenant.id, target: `client ${client.clientId}`, ...finding });

    if (client.grantTypes.includes('implicit')) {
      add({
        severity: 'high',
        check: 'client.implicit',
        reference: 'RFC 9700 §2.1.2',
        problem: 'the implicit grant is enabled: access tokens travel in the redirect URI fragment, without PKCE and without sender binding',
        fix: call('PATCH', at, withoutGrant(client, 'implicit', 'authorization_code')),
      });
    }
    if (client.grantTypes.includes('password')) {
      add({
        severity: 'high',
        check: 'client.password',
        reference: 'RFC 9700 §2.4',
        problem: "the resource owner password credentials grant is enabled: the client handles the user's password",
        fix: call('PATCH', at, withoutGrant(client, 'password', 'client_credentials')),
      });
    }
    if (client.grantTypes.includes('authorization_code') && !effectiveRequirePkce(client, settings)) {
      add({
        severity: 'medium',
        check: 'client.pkce',
        reference: 'RFC 9700 §2.1.1',
        problem:
          client.requirePkce === false
            ? 'require_pkce is false: authorization codes can be redeemed without PKCE'
            : 'PKCE is optional for this confidential client because the tenant setting require_pkce is false',
        fix: call('PATCH', at, { require_pkce: true }),
      });
    }
    if (client.accessTokenLifetime === null) {
      add({
        severity: 'high',
        check: 'client.token-never-expires',
        reference: 'RFC 6819 §5.1.5.3',
        problem: 'access_token_lifetime is null: its access tokens never expire, so a leaked one stays usable until someone revokes it',
        fix: call('PATCH', at, { access_token_lifetime: 3600 }),
      });
    } else if (client.accessTokenLifetime > LONG_ACCESS_TOKEN_S) {
      add({
        severity: 'low',
        check: 'client.token-long-lived',
        reference: 'RFC 6819 §5.1.5.3',
        problem: `access_token_lifetime is ${client.accessTokenLifetime} s (more than a day)`,
        fix: call('PATCH', at, { access_token_lifetime: 3600 }),
      });
    }
    const live = scan.liveNeverExpiring.get(client.clientId);
    if (live) {
      add({
        severity: 'high',
        check: 'client.live-never-expiring-tokens',
        reference: 'RFC 6819 §5.1.5.3',
        problem: `${live} live access token(s) that never expire; shortening the lifetime does not shorten them`,
        fix: `${call('GET', `${scan.adminApi}/tokens?client_id=${encodeURIComponent(client.clientId)}&status=active`)}, then ${call('DELETE', `${scan.adminApi}/tokens/{id}`)} for each with expires_at null`,
      });
    }
    if (client.refreshTokenLimit === null && client.grantTypes.includes('refresh_token')) {
      add({
        severity: 'medium',
        check: 'client.refresh-unlimited',
        reference: 'RFC 9700 §4.14.2',
        problem: 'refresh_token_limit is null: a grant can be refreshed forever, so a stolen refresh token never runs out',
        fix: call('PATCH', at, { refresh_token_limit: 1000 }),
      });
    }
    if (client.apiKey.enabled && client.apiKey.timeoutHours === 0) {
      add({
        severity: 'medium',
        check: 'client.api-key-never-expires',
        reference: 'RFC 6819 §5.1.5.3',
        problem: 'api_key_timeout_hours is 0: API keys issued for this application never expire',
        fix: call('PATCH', at, { api_key_timeout_hours: 720 }),
      });
    }
    const httpAddresses = [
      { field: 'redirect_uris', uris: client.redirectUris, severity: 'high', check: 'client.http-redirect-uri', problem: 'redirect URIs over http on non-loopback hosts send codes and tokens unencrypted' },
      { field: 'post_logout_redirect_uris', uris: client.postLogoutRedirectUris, severity: 'medium', check: 'client.http-post-logout-redirect-uri', problem: 'sign-out return addresses over http on non-loopback hosts can be rewritten on the way (the state they carry too)' },
    ] as const;
    for (const { field, uris, severity, check, problem } of httpAddresses) {
      const overHttp = insecure(uris);
      if (overHttp.length === 0) continue;
      add({ severity, check, reference: 'RFC 9700 §2.6', problem: `${problem}: ${overHttp.join(', ')}`, fix: call('PATCH', at, { [field]: uris.map((uri) => (overHttp.includes(uri) ? uri.replace(/^http:/i, 'https:') : uri)) }) });
    }
    if (client.scopes.includes('admin') && isConfidential(client) && client.secretExpiresAt === 0) {
      const bootstrap = client.clientId === scan.bootstrapAdminId;
      add({
        severity: 'low',
        check: 'client.admin-secret-never-expires',
        reference: 'RFC 9700 §2.5',
        problem: 'a client with scope admin authenticates with a secret that never expires',
        fix: bootstrap
          ? 'rotate GATEHOUSE_ADMIN_CLIENT_SECRET on every node periodically (it is re-applied at each start)'
          : `rotate it to a secret that expires, and repeat before it does: ${call('POST', `${at}/secret`, ROTATION)}`,
      });
    }
    if (isConfidential(client) && client.secretExpiresAt !== 0 && client.secretExpiresAt - scan.now <= SECRET_EXPIRY_NOTICE_S) {
      const when = new Date(client.secretExpiresAt * 1000).toISOString();
      const expired = client.secretExpiresAt <= scan.now;
      add({
        severity: 'medium',
        check: 'client.secret-expiring',
        reference: 'RFC 7591 §3.2.1',
        problem: expired
          ? `the client secret expired at ${when}: the client can no longer authenticate`
          : `the client secret expires at ${when}, in ${Math.ceil((client.secretExpiresAt - scan.now) / 3600)} h: the client is refused after that`,
        // The replaced secret never outlives its own expiry, so an overlap cannot revive an expired one.
        fix: `issue a new secret and give it to the client: ${call('POST', `${at}/secret`, ROTATION)}`,
      });
    }
  }
  return findings;
}
