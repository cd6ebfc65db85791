/** /settings: the tenant's policy (PKCE, grants, redirect URIs, lockout) and compatibility options. */
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import type { TenantSettings } from '../domain/tenant.js';
import { nowS } from '../domain/time.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import { SettingsPatchSchema, SettingsSchema, errorResponses } from './schemas.js';

type SettingsPatch = Partial<Omit<TenantSettings, 'lockout' | 'rate_limits' | 'compat'>> & {
  lockout?: Partial<TenantSettings['lockout']>;
  rate_limits?: Partial<TenantSettings['rate_limits']>;
  compat?: Partial<TenantSettings['compat']>;
};

function checkApiKeyAuthTypes(names: string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    const key = name.toLowerCase();
    // GAM's name for signing in with a password: a type of that name would take over password grants that name it.
    if (key === 'local') throw ValidationError.field('api_key_auth_types', '"local" is the password authentication type, not an API-key one');
    if (seen.has(key)) throw ValidationError.field('api_key_auth_types', `"${name}" is listed twice (names are compared without case)`);
    seen.add(key);
  }
}

export function settingsRoutes(app: FastifyInstance, gh: Gatehouse, tags: string[]): void {
  app.get('/settings', { schema: { tags, summary: 'Get the tenant’s settings', response: { 200: SettingsSchema, ...errorResponses } } }, async (request) => request.tenant.tenant.settings);

  app.patch<{ Body: SettingsPatch }>(
    '/settings',
    { schema: { tags, summary: 'Change the tenant’s settings (omitted fields keep their values)', body: SettingsPatchSchema, response: { 200: SettingsSchema, ...errorResponses } } },
    async (request) => {
      const tenantId = request.tenant.tenant.id;
      const patch = request.body;
      const now = nowS();
      // Read, merged and written in one transaction with the row locked: two PATCHes of different
      // fields at once both take effect.
      return gh.feed.write(async (tx) => {
        const stored = await tx.tenants.getForUpdate(tenantId);
        // Deleted since the request was routed to it.
        if (!stored) throw new NotFoundError(`no tenant "${tenantId}"`);
        const current = stored.settings;
        const settings: TenantSettings = {
          ...current,
          ...patch,
          lockout: { ...current.lockout, ...patch.lockout },
          rate_limits: { ...current.rate_limits, ...patch.rate_limits },
          compat: { ...current.compat, ...patch.compat },
        };
        // Waits grow by wait_increment_s up to max_wait_s: a cap below one increment cuts every wait short.
        if (patch.lockout && settings.lockout.max_wait_s < settings.lockout.wait_increment_s) {
          throw ValidationError.field('lockout.max_wait_s', `lockout.max_wait_s must be at least lockout.wait_increment_s (${settings.lockout.wait_increment_s})`);
        }
        if (patch.api_key_auth_types) {
          checkApiKeyAuthTypes(patch.api_key_auth_types);
          const kept = new Set(patch.api_key_auth_types.map((name) => name.toLowerCase()));
          const stranded = (await tx.clients.limitedToApiKeyAuthTypes(tenantId)).filter((client) => !kept.has(client.type.toLowerCase()));
          if (stranded.length > 0) {
            const named = stranded.slice(0, 20).map((client) => `${client.client_id} (${client.type})`).join(', ');
            throw new ConflictError(`api_key_auth_types would leave out a type that client(s) accept API keys for: ${named}; change their api_key_allowed_auth_type first`);
          }
        }
        // A grant listed twice is the same grant: stored once, as a client's grant_types are.
        settings.allowed_grants = [...new Set(settings.allowed_grants)];
        // The tenant's admin clients get their tokens with it: without it no administrator could
        // get a new token to put it back. Clients are kept from it by their own grant_types.
        if (!settings.allowed_grants.includes('client_credentials')) {
          throw ValidationError.field('allowed_grants', 'allowed_grants must keep client_credentials: the tenant’s admin clients sign in with it (limit other clients through their grant_types)');
        }
        await tx.tenants.updateSettings(tenantId, settings);
        await tx.events.append({ tenantId, kind: 'tenant.changed', target: tenantId, payload: {}, createdAt: now });
        await tx.audit.append({ tenantId, actor: request.admin.id, source: request.admin.source, action: 'settings.updated', target: tenantId, detail: { changed: Object.keys(patch) }, createdAt: now });
        return settings;
      });
    },
  );
}
