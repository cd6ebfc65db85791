/**
 * What `gatehouse doctor` reports: one finding per risky setting, each with the standard that
 * advises against it and the admin API call that removes it.
 */
import type { Client } from '../domain/client.js';
import type { Tenant } from '../domain/tenant.js';

export type Severity = 'high' | 'medium' | 'low';

/** Most severe first; `--fail-on` fails at its level and every level before it. */
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

export interface Finding {
  severity: Severity;
  /** A stable name for the check, for pipelines that filter (e.g. `client.implicit`). */
  check: string;
  /** The tenant id, or `*` for the deployment as a whole. */
  tenant: string;
  /** `client <id>`, `settings`, or `deployment`. */
  target: string;
  /** The section that advises against it, e.g. `RFC 9700 §2.1.2`. */
  reference: string;
  problem: string;
  fix: string;
}

/** What the per-concern checks read about one tenant. */
export interface TenantScan {
  tenant: Tenant;
  /** `{issuer}/admin/api/v1` of this tenant: where each fix is applied. */
  adminApi: string;
  clients: Client[];
  /** Live (unrevoked, unexpired) never-expiring access tokens, by client id. */
  liveNeverExpiring: Map<string, number>;
  /** GATEHOUSE_ADMIN_CLIENT_ID, whose secret the environment sets at every start. */
  bootstrapAdminId: string | undefined;
  /** The time the checks are made at (seconds). */
  now: number;
}

/** `METHOD url body`: the call an operator runs, as one line. */
export function call(method: 'PATCH' | 'POST' | 'DELETE' | 'GET', url: string, body?: unknown): string {
  return body === undefined ? `${method} ${url}` : `${method} ${url} ${JSON.stringify(body)}`;
}
