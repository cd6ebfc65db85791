/**
 * The web console is an OAuth public client of the tenant it administers (authorization code +
 * PKCE, scope admin). Every tenant has one, with the same client_id, so the console of
 * `{issuer}/console/` always knows whom to ask for a token. Ensured at bootstrap and when a tenant
 * is created; its redirect URI follows the issuer if GATEHOUSE_ISSUER changes.
 */
import type { Actor } from '../domain/actor.js';
import type { TenantSettings } from '../domain/tenant.js';
import type { ClientRegistry } from '../core/clients.js';
import type { Store } from '../store/index.js';

export const CONSOLE_CLIENT_ID = 'gatehouse-console';

/** Where the console lives for an issuer, and where the authorization server sends the browser back. */
export const consoleRedirectUri = (issuer: string): string => `${issuer}/console/`;

function metadata(issuer: string): Record<string, unknown> {
  return {
    client_name: 'Gatehouse console',
    client_version: '1',
    description: 'The web console (a public client: authorization code + PKCE, tokens in the browser tab’s memory)',
    redirect_uris: [consoleRedirectUri(issuer)],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'openid profile admin',
    access_token_lifetime: 3600,
    refresh_token_limit: 0,
  };
}

export async function ensureConsoleClient(clients: ClientRegistry, store: Store, tenant: { id: string; settings: TenantSettings }, issuer: string, actor: Actor): Promise<void> {
  // The redirect URI is derived from the operator's own GATEHOUSE_ISSUER: if that is plain http on
  // a non-loopback host, the operator chose it, and refusing it would only leave the console unusable.
  const settings = { ...tenant.settings, allow_insecure_redirect_uris: true };
  // Read from the store, not the registry's cache: nodes starting together race to create it.
  const existing = await store.clients.get(tenant.id, CONSOLE_CLIENT_ID);
  if (!existing) {
    try {
      await clients.create(tenant.id, settings, metadata(issuer), actor, { clientId: CONSOLE_CLIENT_ID });
    } catch (error) {
      // Another node created it first: that is the outcome wanted.
      if (!(await store.clients.get(tenant.id, CONSOLE_CLIENT_ID))) throw error;
    }
    return;
  }
  const redirectUri = consoleRedirectUri(issuer);
  if (!existing.redirectUris.includes(redirectUri)) {
    await clients.patch(tenant.id, settings, CONSOLE_CLIENT_ID, { redirect_uris: [redirectUri] }, actor, { byServer: true });
  }
}
