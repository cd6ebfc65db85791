/**
 * Scopes of a tenant: the built-in ones plus those defined by administrators, cached per tenant
 * until the change feed reports a change.
 */
import { BUILT_IN_SCOPES, GAM_FULL_CONTROL, isValidScopeName, servicePatternError } from '../domain/scope.js';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../domain/errors.js';
import { nowS } from '../domain/time.js';
import type { Actor } from '../domain/actor.js';
import type { Tenant } from '../domain/tenant.js';
import { parseRoles } from '../domain/roles.js';
import type { Store } from '../store/index.js';
import type { Scope } from '../store/scopes.js';
import type { ChangeFeed } from '../events/change-feed.js';
import { PromiseCache } from './promise-cache.js';

export type { Scope };

export interface ScopeInput {
  name?: unknown;
  description?: unknown;
  services?: unknown;
  roles?: unknown;
}

function builtIn(tenantId: string, name: string): Scope {
  const spec = BUILT_IN_SCOPES[name]!;
  return { tenantId, name, description: spec.description, services: [], roles: spec.roles, createdAt: 0, updatedAt: 0 };
}

/** GAM's FullControl as the admin API shows it while compat.gam is on: a request-time alias, not a scope tokens carry. */
function fullControl(tenantId: string): Scope {
  return { tenantId, name: GAM_FULL_CONTROL, description: 'GAM: a token request for it gets every scope of the client (compat.gam)', services: [], roles: [], createdAt: 0, updatedAt: 0 };
}

export function isBuiltInScope(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(BUILT_IN_SCOPES, name) || name === GAM_FULL_CONTROL;
}

/** Scope names are unique case-insensitively (INTERFACE.md), built-in ones included: no "Admin" beside "admin". */
const BUILT_IN_KEYS = new Set([...Object.keys(BUILT_IN_SCOPES), GAM_FULL_CONTROL].map((name) => name.toLowerCase()));

export class ScopeRegistry {
  private readonly cache = new PromiseCache<string, Map<string, Scope>>();

  constructor(
    private readonly store: Store,
    private readonly feed: ChangeFeed,
  ) {
    feed.on((event) => {
      if (event.kind === 'scope.changed' || event.kind === 'tenant.deleted') this.cache.delete(event.tenantId);
    });
  }

  /** Every scope of the tenant by exact name, built-ins included. */
  byName(tenantId: string): Promise<Map<string, Scope>> {
    return this.cache.get(tenantId, async () => {
      const map = new Map<string, Scope>();
      for (const name of Object.keys(BUILT_IN_SCOPES)) map.set(name, builtIn(tenantId, name));
      for (const row of await this.store.scopes.all(tenantId)) map.set(row.name, row);
      return map;
    });
  }

  /** What the admin API lists: the tenant's scopes, and FullControl while the tenant has compat.gam on. */
  async listed(tenant: Pick<Tenant, 'id' | 'settings'>): Promise<Map<string, Scope>> {
    const scopes = await this.byName(tenant.id);
    return tenant.settings.compat.gam ? new Map([...scopes, [GAM_FULL_CONTROL, fullControl(tenant.id)]]) : scopes;
  }

  /** Names that are not scopes of the tenant (exact, case-sensitive match, RFC 6749 §3.3). */
  async unknown(tenantId: string, names: string[]): Promise<string[]> {
    const scopes = await this.byName(tenantId);
    return names.filter((name) => !scopes.has(name));
  }

  async create(tenantId: string, input: ScopeInput, actor: Actor): Promise<Scope> {
    const errors: FieldError[] = [];
    const name = typeof input.name === 'string' ? input.name : '';
    if (!isValidScopeName(name)) errors.push({ field: 'name', message: 'name is required: 1–128 printable ASCII characters without spaces, quotes or backslashes' });
    else if (BUILT_IN_KEYS.has(name.toLowerCase())) throw new ConflictError(`"${name}" is the name of a built-in scope (names are unique case-insensitively)`);
    else if (await this.store.scopes.getByKey(tenantId, name)) throw new ConflictError(`a scope named "${name}" already exists (names are unique case-insensitively)`);
    const fields = this.validateFields(input, { description: '', services: [], roles: [] }, errors);
    if (errors.length) throw new ValidationError(errors);
    const now = nowS();
    const scope: Scope = { tenantId, name, ...fields, createdAt: now, updatedAt: now };
    await this.feed.write(async (tx) => {
      await tx.scopes.insert(scope);
      await tx.events.append({ tenantId, kind: 'scope.changed', target: name, payload: {}, createdAt: now });
      await tx.audit.append({ tenantId, actor: actor.id, source: actor.source, action: 'scope.created', target: name, detail: { services: scope.services }, createdAt: now });
    });
    return scope;
  }

  async update(tenantId: string, name: string, input: ScopeInput, actor: Actor): Promise<Scope> {
    if (isBuiltInScope(name)) throw new ConflictError(`"${name}" is a built-in scope and cannot be changed`);
    const current = await this.store.scopes.get(tenantId, name);
    if (!current) throw new NotFoundError(`no scope named "${name}"`);
    const errors: FieldError[] = [];
    if (input.name !== undefined && input.name !== name) errors.push({ field: 'name', message: 'the name of a scope cannot change' });
    const fields = this.validateFields(input, current, errors);
    if (errors.length) throw new ValidationError(errors);
    const now = nowS();
    const scope: Scope = { ...current, ...fields, updatedAt: now };
    const removed = current.services.filter((pattern) => !scope.services.includes(pattern));
    await this.feed.write(async (tx) => {
      await tx.scopes.update(scope);
      await tx.events.append({ tenantId, kind: 'scope.changed', target: name, payload: { removed_services: removed }, createdAt: now });
      await tx.audit.append({ tenantId, actor: actor.id, source: actor.source, action: 'scope.updated', target: name, detail: { services: scope.services, roles: scope.roles }, createdAt: now });
    });
    return scope;
  }

  async delete(tenantId: string, name: string, actor: Actor): Promise<void> {
    if (isBuiltInScope(name)) throw new ConflictError(`"${name}" is a built-in scope and cannot be deleted`);
    if (!(await this.store.scopes.get(tenantId, name))) throw new NotFoundError(`no scope named "${name}"`);
    const clients = await this.store.clients.clientsUsingScope(tenantId, name);
    if (clients.length > 0) throw new ConflictError(`scope "${name}" is associated with client(s) ${clients.join(', ')}; disassociate it first`);
    const now = nowS();
    if (await this.store.tokens.liveTokenWithScope(tenantId, name, now)) {
      throw new ConflictError(`scope "${name}" is carried by a live token; revoke it or wait until it expires`);
    }
    // A refresh token outlives its access token, and would mint the scope again.
    if (await this.store.grants.liveRefreshTokenWithScope(tenantId, name)) {
      throw new ConflictError(`scope "${name}" is carried by a live refresh token; revoke its grant first`);
    }
    await this.feed.write(async (tx) => {
      await tx.scopes.delete(tenantId, name);
      await tx.events.append({ tenantId, kind: 'scope.changed', target: name, payload: { deleted: true }, createdAt: now });
      await tx.audit.append({ tenantId, actor: actor.id, source: actor.source, action: 'scope.deleted', target: name, detail: {}, createdAt: now });
    });
  }

  private validateFields(input: ScopeInput, base: Pick<Scope, 'description' | 'services' | 'roles'>, errors: FieldError[]): Pick<Scope, 'description' | 'services' | 'roles'> {
    let description = base.description;
    if (input.description !== undefined) {
      if (typeof input.description !== 'string' || input.description.length > 1000 || /[\u0000-\u001f\u007f]/.test(input.description)) errors.push({ field: 'description', message: 'description must be a string of at most 1000 characters without control characters' });
      else description = input.description;
    }
    let services = base.services;
    if (input.services !== undefined) {
      if (!Array.isArray(input.services) || input.services.length > 1000) {
        errors.push({ field: 'services', message: 'services must be an array of at most 1000 URL patterns' });
      } else {
        services = [];
        input.services.forEach((pattern, index) => {
          const message = typeof pattern === 'string' ? servicePatternError(pattern) : 'must be a string';
          if (message) errors.push({ field: `services[${index}]`, message });
          else services.push(pattern as string);
        });
        services = [...new Set(services)];
      }
    }
    return { description, services, roles: parseRoles(input.roles, base.roles, errors) };
  }
}
