import { json, type Executor } from './executor.js';

export interface AuditEvent {
  id: number;
  tenantId: string;
  actor: string;
  action: string;
  target: string;
  source: string | null;
  detail: Record<string, unknown>;
  createdAt: number;
}

export class AuditStore {
  constructor(private readonly db: Executor) {}

  async append(event: Omit<AuditEvent, 'id'>): Promise<void> {
    await this.db
      .insertInto('audit_events')
      .values({
        tenant_id: event.tenantId,
        actor: event.actor,
        action: event.action,
        target: event.target,
        source: event.source,
        detail: json(event.detail),
        created_at: event.createdAt,
      })
      .execute();
  }

  async purgeBefore(createdAt: number): Promise<number> {
    const result = await this.db.deleteFrom('audit_events').where('created_at', '<', createdAt).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Newest first; `before` is the id of the last item of the previous page. */
  async list(tenantId: string, limit: number, before?: number): Promise<AuditEvent[]> {
    let query = this.db.selectFrom('audit_events').selectAll().where('tenant_id', '=', tenantId);
    if (before !== undefined) query = query.where('id', '<', before);
    const rows = await query.orderBy('id', 'desc').limit(limit).execute();
    return rows.map((row) => ({
      id: Number(row.id),
      tenantId: row.tenant_id,
      actor: row.actor,
      action: row.action,
      target: row.target,
      source: row.source,
      detail: JSON.parse(row.detail),
      createdAt: row.created_at,
    }));
  }
}
