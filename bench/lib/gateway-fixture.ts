// Publishing an upstream behind Gatehouse's gateway for a benchmark, through
// the admin API only (as an operator would): a service under /bench, a scope
// that opens everything below it, and a client_credentials client holding it.
import type { GatehouseAdmin } from './gatehouse-admin.js';
import type { ClientCredentials } from './oauth.js';

export const BENCH_SERVICE = {
  name: 'bench',
  pathPrefix: '/bench',
  scope: 'bench.read',
  /** What the benchmarks request through the gateway. */
  probePath: '/bench/items/1',
} as const;

/** Returns the credentials of a client whose tokens the gateway lets through to `upstream`. */
export async function publishBenchService(admin: GatehouseAdmin, upstream: string): Promise<ClientCredentials> {
  await admin.createService({ name: BENCH_SERVICE.name, path_prefix: BENCH_SERVICE.pathPrefix, upstream });
  await admin.createScope({ name: BENCH_SERVICE.scope, description: 'Call the benchmark upstream', services: [`${BENCH_SERVICE.pathPrefix}/**`] });
  return admin.createClient({
    client_name: 'gateway bench',
    grant_types: ['client_credentials'],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: BENCH_SERVICE.scope,
  });
}
