/**
 * First-start state: the default tenant and the bootstrap admin client (INTERFACE.md). With
 * GATEHOUSE_ADMIN_CLIENT_ID/_SECRET the client is made to match them; without, credentials are
 * generated once and written to an owner-only file whose path (never the secret) is logged.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Gatehouse } from './gatehouse.js';
import { DEFAULT_TENANT_ID, defaultSettings, type TenantSettings } from './domain/tenant.js';
import { isConfidential, type Client } from './domain/client.js';
import { SYSTEM_ACTOR } from './domain/actor.js';
import { nowS } from './domain/time.js';
import { randomId, randomToken } from './crypto/random.js';
import { ConfigError } from './config.js';
import { ensureConsoleClient } from './console/console-client.js';
import { isUniqueViolation } from './store/executor.js';
import { ConflictError } from './domain/errors.js';

export const ADMIN_CLIENT_METADATA = {
  client_name: 'Gatehouse bootstrap admin',
  client_version: '1',
  grant_types: ['client_credentials'],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'admin',
  access_token_lifetime: 3600,
};

/**
 * Nodes started together on one empty PostgreSQL race to create the same first-start rows: the
 * loser's insert fails on the unique key (or its name check sees the winner's row), and a second
 * pass finds the winner's rows in place.
 */
export async function bootstrap(gh: Gatehouse): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await bootstrapOnce(gh);
    } catch (error) {
      if (!(isUniqueViolation(error) || error instanceof ConflictError) || attempt === 3) throw error;
      gh.log.info('another node is bootstrapping the same store; checking again');
      gh.clients.forgetAll();
    }
  }
}

async function bootstrapOnce(gh: Gatehouse): Promise<void> {
  const created = await gh.store.tenants.insertIfMissing({ id: DEFAULT_TENANT_ID, name: 'Default', settings: defaultSettings(), createdAt: nowS() });
  if (created) gh.log.info('created the default tenant');
  const tenant = (await gh.tenants.get(DEFAULT_TENANT_ID))!;
  await gh.keys.signingKey(DEFAULT_TENANT_ID);
  await ensureConsoleClients(gh);

  const { adminClientId, adminClientSecret, dataDir } = gh.config;
  if (adminClientId && adminClientSecret) {
    const existing = await gh.store.clients.get(DEFAULT_TENANT_ID, adminClientId);
    if (!existing) {
      await gh.clients.create(DEFAULT_TENANT_ID, tenant.tenant.settings, { ...ADMIN_CLIENT_METADATA, client_version: adminClientId }, SYSTEM_ACTOR, { clientId: adminClientId, clientSecret: adminClientSecret });
      gh.log.info({ client_id: adminClientId }, 'created the bootstrap admin client');
    } else {
      await restoreAdminAccess(gh, existing, tenant.tenant.settings);
      await gh.clients.setSecret(DEFAULT_TENANT_ID, adminClientId, adminClientSecret, SYSTEM_ACTOR);
    }
    return;
  }
  if (!created) return;
  const clientId = randomId();
  const clientSecret = randomToken(256);
  // The file first: credentials that reached no file would be lost for good, as the next start finds the tenant made.
  const file = path.resolve(dataDir, 'admin-credentials.json');
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, `${JSON.stringify({ client_id: clientId, client_secret: clientSecret, token_endpoint: `${gh.config.issuer}/oauth/token` }, null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    // Undone, so that the next start, with a writable directory, is a first start again.
    await gh.store.tenants.deleteWithData(DEFAULT_TENANT_ID);
    throw new ConfigError('GATEHOUSE_DATA_DIR', `cannot write the generated admin credentials to ${file}`, error);
  }
  await gh.clients.create(DEFAULT_TENANT_ID, tenant.tenant.settings, ADMIN_CLIENT_METADATA, SYSTEM_ACTOR, { clientId, clientSecret });
  gh.log.warn({ file }, 'generated bootstrap admin credentials (client_credentials, scope admin); read them from this owner-only file');
}

/**
 * INTERFACE.md: at start the named client is a confidential, active client_credentials client
 * with scope admin. An administrator who took any of that away (by mistake, or to lock a leaked
 * secret out) gets it back by restarting, which is the one way in that needs no token.
 */
async function restoreAdminAccess(gh: Gatehouse, client: Client, settings: TenantSettings): Promise<void> {
  const restore: Record<string, unknown> = {};
  if (!client.active) restore.active = true;
  if (!isConfidential(client)) restore.token_endpoint_auth_method = ADMIN_CLIENT_METADATA.token_endpoint_auth_method;
  if (!client.grantTypes.includes('client_credentials')) restore.grant_types = [...client.grantTypes, 'client_credentials'];
  if (!client.scopes.includes('admin')) restore.scope = [...client.scopes, 'admin'].join(' ');
  if (Object.keys(restore).length === 0) return;
  await gh.clients.patch(DEFAULT_TENANT_ID, settings, client.clientId, restore, SYSTEM_ACTOR);
  gh.log.warn({ client_id: client.clientId, restored: Object.keys(restore) }, 'restored the bootstrap admin client to a confidential, active client_credentials client with scope admin');
}

/** Every tenant's console client, including tenants created before the console existed. */
async function ensureConsoleClients(gh: Gatehouse): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const tenants = await gh.store.tenants.list(500, after);
    for (const tenant of tenants) await ensureConsoleClient(gh.clients, gh.store, tenant, gh.tenants.issuerOf(tenant.id), SYSTEM_ACTOR);
    if (tenants.length < 500) return;
    after = tenants.at(-1)!.id;
  }
}
