import { sql } from 'kysely';
import type { Dialect } from './db.js';
import { json, type Executor } from './executor.js';
import type { EventRow } from './schema.js';

export interface ChangeEvent {
  id: number;
  tenantId: string;
  kind: string;
  target: string;
  payload: Record<string, unknown>;
  createdAt: number;
}

function toEvent(row: Omit<EventRow, 'id'> & { id: number }): ChangeEvent {
  return { id: row.id, tenantId: row.tenant_id, kind: row.kind, target: row.target, payload: JSON.parse(row.payload), createdAt: row.created_at };
}

/** The change feed's log: appended in the same transaction as the change it describes. */
export class EventStore {
  constructor(
    private readonly db: Executor,
    private readonly dialect: Dialect,
  ) {}

  async append(event: Omit<ChangeEvent, 'id'>): Promise<void> {
    // PostgreSQL hands out identity values before commit, so two writers could commit ids 6 then 5
    // and a reader that saw 6 would skip 5 for ever. A transaction-scoped lock makes event ids
    // commit in order; SQLite serialises writers already.
    if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(727274)`.execute(this.db);
    await this.db
      .insertInto('events')
      .values({ tenant_id: event.tenantId, kind: event.kind, target: event.target, payload: json(event.payload), created_at: event.createdAt })
      .execute();
    // Delivered to every listening node when (and only if) this transaction commits.
    if (this.dialect === 'postgres') await sql`select pg_notify('gatehouse_events', '')`.execute(this.db);
  }

  async after(id: number, limit: number): Promise<ChangeEvent[]> {
    const rows = await this.db.selectFrom('events').selectAll().where('id', '>', id).orderBy('id', 'asc').limit(limit).execute();
    return rows.map(toEvent);
  }

  async lastId(): Promise<number> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
    return Number(row?.max ?? 0);
  }

  async oldestId(): Promise<number> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.min('id').as('min')).executeTakeFirst();
    return Number(row?.min ?? 0);
  }

  async purgeBefore(createdAt: number): Promise<number> {
    const result = await this.db.deleteFrom('events').where('created_at', '<', createdAt).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
