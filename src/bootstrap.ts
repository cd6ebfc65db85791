/**
 * First-start state: the default tenant and the bootstrap admin client (INTERFACE.md). With
 * GATEHOUSE_ADMIN_CLIENT_ID/_SECRET the client is made to match them; without, credentials are
 * generated once and written to an owner-only file whose path (never the secret) is logged.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Gatehouse } from './gatehouse.js';
import { DEFAULT_TENANT_ID, defaultSettings } from './domain/tenant.js';
import { SYSTEM_ACTOR } from './domain/actor.js';
import { nowS } from './domain/time.js';
import { randomToken } from './crypto/random.js';
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
      await gh.clients.setSecret(DEFAULT_TENANT_ID, adminClientId, adminClientSecret, SYSTEM_ACTOR);
    }
    return;
  }
  if (!created) return;
  const clientSecret = randomToken(256);
  const issued = await gh.clients.create(DEFAULT_TENANT_ID, tenant.tenant.settings, ADMIN_CLIENT_METADATA, SYSTEM_ACTOR, { clientSecret });
  const file = path.resolve(dataDir, 'admin-credentials.json');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${JSON.stringify({ client_id: issued.client.clientId, client_secret: clientSecret, token_endpoint: `${gh.config.issuer}/oauth/token` }, null, 2)}\n`, { mode: 0o600 });
  gh.log.warn({ file }, 'generated bootstrap admin credentials (client_credentials, scope admin); read them from this owner-only file');
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
