/**
 * A write that hit a unique key. Creations check for a duplicate before they write, but two
 * requests can both pass the check before either commits; the loser then fails on the key. The
 * store reports that as a DuplicateError, a ConflictError, so it gets the answer the check gives
 * (409 on the admin API, invalid_client_metadata at registration) and never a 500.
 */
import { ConflictError } from '../domain/errors.js';
import { isUniqueViolation } from './executor.js';

/** What each unique key means to the caller, by table(columns). */
const MEANINGS: Record<string, string> = {
  'tenants(id)': 'a tenant with this id already exists',
  'clients(tenant_id,client_id)': 'a client with this client_id already exists',
  'clients(tenant_id,name_key)': 'a client with this client_name and client_version already exists (names are compared case-insensitively)',
  'users(tenant_id,username_key)': 'a user with this username already exists (usernames are compared case-insensitively)',
  'scopes(tenant_id,name)': 'a scope with this name already exists (names are unique case-insensitively)',
  'scopes(tenant_id,name_key)': 'a scope with this name already exists (names are unique case-insensitively)',
  'services(tenant_id,name)': 'a service with this name already exists (names are unique case-insensitively)',
  'services(tenant_id,name_key)': 'a service with this name already exists (names are unique case-insensitively)',
  'services(path_prefix)': 'another service already uses this path_prefix (prefixes are unique across tenants)',
};

export class DuplicateError extends ConflictError {}

/** The violated key as table(columns), from either database's error. */
function violatedKey(error: { message?: unknown; table?: unknown; detail?: unknown }): string | undefined {
  // SQLite: "UNIQUE constraint failed: clients.tenant_id, clients.name_key"
  const sqlite = typeof error.message === 'string' ? /^UNIQUE constraint failed: (.+)$/.exec(error.message) : null;
  if (sqlite) {
    const columns = sqlite[1]!.split(', ').map((qualified) => qualified.split('.'));
    return `${columns[0]![0]}(${columns.map(([, column]) => column).join(',')})`;
  }
  // PostgreSQL: table "clients", detail "Key (tenant_id, name_key)=(…) already exists."
  const pg = typeof error.detail === 'string' ? /^Key \((.+?)\)=\(/.exec(error.detail) : null;
  return pg && typeof error.table === 'string' ? `${error.table}(${pg[1]!.split(', ').join(',')})` : undefined;
}

/** A unique violation as a DuplicateError saying what exists already; any other error as it is. */
export function asDuplicate(error: unknown): unknown {
  if (!isUniqueViolation(error)) return error;
  const key = violatedKey(error as Record<string, unknown>);
  return new DuplicateError((key && MEANINGS[key]) ?? 'an object with the same identifying fields already exists');
}
