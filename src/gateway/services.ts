/**
 * Services behind the gateway: management (validated writes through the change feed) and the
 * route table every gateway node holds in memory: prefixes are unique across tenants, and a
 * request goes to the service with the longest prefix that matches whole segments.
 */
import type { Actor } from '../domain/actor.js';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../domain/errors.js';
import { nowS } from '../domain/time.js';
import type { Repositories, Store } from '../store/index.js';
import type { Service } from '../store/services.js';
import type { ChangeFeed } from '../events/change-feed.js';
import { normalisePath, UnsafePathError } from './path.js';

export type { Service };

/** Paths the gateway answers itself. */
const RESERVED_PREFIXES = ['/healthz', '/readyz', '/metrics', '/.well-known'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function serviceView(service: Service): Record<string, unknown> {
  return {
    name: service.name,
    path_prefix: service.pathPrefix,
    upstream: service.upstream,
    timeout_ms: service.timeoutMs,
    pass_token: service.passToken,
    created_at: service.createdAt,
    updated_at: service.updatedAt,
  };
}

/** Whether one prefix contains the other, segment-wise ("/orders" and "/orders/items" overlap; "/order" does not). */
function overlaps(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return long === short || long.startsWith(`${short}/`);
}

/**
 * Writes a service with a prefix new to it, refused if that prefix overlaps another service's.
 * Writers of services are locked out until the transaction ends, so no prefix written meanwhile
 * escapes the check: overlapping prefixes sent at once, even by two tenants, leave one. The
 * check follows the write so that on SQLite the transaction holds the write lock before it reads.
 */
async function claimPrefix(tx: Repositories, service: Service, write: () => Promise<void>): Promise<void> {
  await tx.services.lockWriters();
  await write();
  for (const other of await tx.services.all()) {
    if (other.tenantId === service.tenantId && other.name === service.name) continue;
    // Prefixes are global: reporting the other service's tenant would leak it, so only the prefix is named.
    if (overlaps(service.pathPrefix, other.pathPrefix)) throw new ConflictError(`path_prefix ${service.pathPrefix} overlaps the existing prefix ${other.pathPrefix}`);
  }
}

export class ServiceRegistry {
  /** Every service by prefix: a request's lookup costs its path's depth, not the number of services. */
  private byPrefix: Promise<Map<string, Service>> | undefined;

  constructor(
    private readonly store: Store,
    private readonly feed: ChangeFeed,
  ) {
    feed.on((event) => {
      if (event.kind === 'service.changed' || event.kind === 'tenant.deleted') this.byPrefix = undefined;
    });
  }

  private prefixes(): Promise<Map<string, Service>> {
    this.byPrefix ??= this.store.services.all().then((services) => new Map(services.map((service) => [service.pathPrefix, service])));
    this.byPrefix.catch(() => (this.byPrefix = undefined));
    return this.byPrefix;
  }

  /** The service whose prefix is `path` or a whole-segment prefix of it (prefixes never overlap: at most one). */
  async route(path: string): Promise<Service | undefined> {
    const byPrefix = await this.prefixes();
    // "/orders/42/items", then "/orders/42", then "/orders"; "/" is never a prefix.
    for (let end = path.length; end > 0; end = path.lastIndexOf('/', end - 1)) {
      const service = byPrefix.get(end === path.length ? path : path.slice(0, end));
      if (service) return service;
    }
    return undefined;
  }

  async create(tenantId: string, input: Record<string, unknown>, actor: Actor): Promise<Service> {
    const errors: FieldError[] = [];
    const name = typeof input.name === 'string' && NAME.test(input.name) ? input.name : (errors.push({ field: 'name', message: 'name is required: letters, digits, _ . - (up to 64)' }), '');
    const fields = this.validate(input, undefined, errors);
    if (errors.length) throw new ValidationError(errors);
    const now = nowS();
    const service: Service = { tenantId, name, ...fields, createdAt: now, updatedAt: now };
    // A taken name (in any case) or prefix fails the insert on its unique key: a DuplicateError, 409.
    await this.save(service, actor, 'service.created', (tx) => claimPrefix(tx, service, () => tx.services.insert(service)));
    return service;
  }

  async update(tenantId: string, name: string, input: Record<string, unknown>, actor: Actor): Promise<Service> {
    const current = await this.store.services.get(tenantId, name);
    if (!current) throw new NotFoundError(`no service named "${name}"`);
    const errors: FieldError[] = [];
    if (input.name !== undefined && input.name !== name) errors.push({ field: 'name', message: 'the name of a service cannot change' });
    const fields = this.validate(input, current, errors);
    if (errors.length) throw new ValidationError(errors);
    const service: Service = { ...current, ...fields, updatedAt: nowS() };
    const moved = service.pathPrefix !== current.pathPrefix;
    await this.save(service, actor, 'service.updated', (tx) => (moved ? claimPrefix(tx, service, () => tx.services.update(service)) : tx.services.update(service)));
    return service;
  }

  async delete(tenantId: string, name: string, actor: Actor): Promise<void> {
    const current = await this.store.services.get(tenantId, name);
    if (!current) throw new NotFoundError(`no service named "${name}"`);
    await this.save(current, actor, 'service.deleted', (tx) => tx.services.delete(tenantId, name).then(() => undefined));
  }

  private async save(service: Service, actor: Actor, action: string, write: (tx: Repositories) => Promise<void>): Promise<void> {
    const now = nowS();
    await this.feed.write(async (tx) => {
      await write(tx);
      await tx.events.append({ tenantId: service.tenantId, kind: 'service.changed', target: service.name, payload: {}, createdAt: now });
      await tx.audit.append({ tenantId: service.tenantId, actor: actor.id, source: actor.source, action, target: service.name, detail: { path_prefix: service.pathPrefix, upstream: service.upstream }, createdAt: now });
    });
  }

  private validate(input: Record<string, unknown>, base: Service | undefined, errors: FieldError[]): Pick<Service, 'pathPrefix' | 'upstream' | 'timeoutMs' | 'passToken'> {
    let pathPrefix = base?.pathPrefix ?? '';
    if (input.path_prefix !== undefined || !base) {
      const raw = input.path_prefix;
      try {
        if (typeof raw !== 'string') throw new UnsafePathError('path_prefix is required, e.g. "/orders"');
        const normal = normalisePath(raw);
        if (normal.segments.length === 0) throw new UnsafePathError('path_prefix cannot be "/"');
        if (normal.path !== raw) throw new UnsafePathError(`path_prefix must be in normal form: "${normal.path}"`);
        if (RESERVED_PREFIXES.some((reserved) => overlaps(reserved, normal.path))) throw new UnsafePathError(`path_prefix ${normal.path} is reserved by the gateway`);
        pathPrefix = normal.path;
      } catch (error) {
        if (!(error instanceof UnsafePathError)) throw error;
        errors.push({ field: 'path_prefix', message: error.message });
      }
    }
    let upstream = base?.upstream ?? '';
    if (input.upstream !== undefined || !base) {
      let url: URL | undefined;
      try {
        url = typeof input.upstream === 'string' ? new URL(input.upstream) : undefined;
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
        errors.push({ field: 'upstream', message: 'upstream must be an absolute http(s) URL without query, fragment or credentials' });
      } else upstream = (input.upstream as string).replace(/\/+$/, '');
    }
    let timeoutMs = base?.timeoutMs ?? 30_000;
    if (input.timeout_ms !== undefined) {
      if (typeof input.timeout_ms !== 'number' || !Number.isInteger(input.timeout_ms) || input.timeout_ms < 1 || input.timeout_ms > 300_000) errors.push({ field: 'timeout_ms', message: 'timeout_ms must be a whole number from 1 to 300000' });
      else timeoutMs = input.timeout_ms;
    }
    let passToken = base?.passToken ?? false;
    if (input.pass_token !== undefined) {
      if (typeof input.pass_token !== 'boolean') errors.push({ field: 'pass_token', message: 'pass_token must be true or false' });
      else passToken = input.pass_token;
    }
    return { pathPrefix, upstream, timeoutMs, passToken };
  }
}
