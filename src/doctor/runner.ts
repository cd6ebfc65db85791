/** Runs every check over the chosen tenants (default: all) and sorts the findings most severe first. */
import { ConfigError, type Config } from '../config.js';
import type { Db } from '../store/db.js';
import type { Store } from '../store/index.js';
import type { Client } from '../domain/client.js';
import { DEFAULT_TENANT_ID, type Tenant } from '../domain/tenant.js';
import { nowS } from '../domain/time.js';
import { SEVERITIES, type Finding, type TenantScan } from './finding.js';
import { clientFindings } from './clients.js';
import { settingsFindings } from './settings.js';
import { deploymentFindings } from './deployment.js';
import { liveNeverExpiringByClient } from './token-census.js';

const PAGE = 500;

export interface DoctorReport {
  tenants: string[];
  findings: Finding[];
}

async function allTenants(store: Store): Promise<Tenant[]> {
  const tenants: Tenant[] = [];
  for (let page = await store.tenants.list(PAGE); page.length > 0; page = await store.tenants.list(PAGE, page.at(-1)!.id)) tenants.push(...page);
  return tenants;
}

async function allClients(store: Store, tenantId: string): Promise<Client[]> {
  const clients: Client[] = [];
  for (let page = await store.clients.list(tenantId, PAGE); page.length > 0; page = await store.clients.list(tenantId, PAGE, page.at(-1)!.clientId)) clients.push(...page);
  return clients;
}

export async function runDoctor(db: Db, store: Store, config: Pick<Config, 'issuer' | 'adminClientId'>, tenantId?: string): Promise<DoctorReport> {
  let tenants: Tenant[];
  if (tenantId === undefined) {
    tenants = await allTenants(store);
  } else {
    const tenant = await store.tenants.get(tenantId);
    if (!tenant) throw new ConfigError('--tenant', `no tenant "${tenantId}" in this store`);
    tenants = [tenant];
  }
  const now = nowS();
  const findings = deploymentFindings(config);
  for (const tenant of tenants) {
    const issuer = tenant.id === DEFAULT_TENANT_ID ? config.issuer : `${config.issuer}/t/${tenant.id}`;
    const scan: TenantScan = {
      tenant,
      adminApi: `${issuer}/admin/api/v1`,
      clients: await allClients(store, tenant.id),
      liveNeverExpiring: await liveNeverExpiringByClient(db.kysely, tenant.id, now),
      bootstrapAdminId: tenant.id === DEFAULT_TENANT_ID ? config.adminClientId : undefined,
      now,
    };
    findings.push(...settingsFindings(scan), ...clientFindings(scan));
  }
  findings.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  return { tenants: tenants.map((t) => t.id), findings };
}
