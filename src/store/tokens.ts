import type { Executor } from './executor.js';
import type { TokenRow } from './schema.js';
import { sqliteTokenAppender } from './db.js';
import type { ClientCutOff } from './clients.js';
import { listsScope } from './scope-list.js';

export type TokenStatus = 'active' | 'expired' | 'revoked';

export interface TokenFilter {
  tenantId: string;
  clientId?: string;
  subject?: string;
  status?: TokenStatus;
  /** With a status filter: the clients that cut off their earlier tokens, whose live rows count as revoked. */
  clientCutOffs?: ClientCutOff[];
}

/** Position after the last row of a page: newest first, by (issued_at, jti). */
export interface TokenCursor {
  issuedAt: number;
  jti: string;
}

export class TokenStore {
  constructor(private readonly db: Executor) {}

  /** Multi-row statements: a grant's rows in its transaction, and commitBatch's batches where no appender serves them. */
  async insertMany(rows: TokenRow[]): Promise<void> {
    // Stay under SQLite's 32,766 bound-parameter limit (13 columns a row).
    for (let i = 0; i < rows.length; i += 2000) {
      await this.db.insertInto('tokens').values(rows.slice(i, i + 2000)).execute();
    }
  }

  /**
   * A batch of the group-commit writer (core/token-writer.ts) in a transaction of its own, durable
   * when this resolves. On a SQLite file the commit, fsync included, runs on a worker thread.
   */
  async commitBatch(rows: TokenRow[]): Promise<void> {
    const appender = sqliteTokenAppender(this.db);
    if (!appender) {
      await this.db.transaction().execute((trx) => new TokenStore(trx).insertMany(rows));
      return;
    }
    // Holding this process's one connection keeps its other statements out while the worker
    // writes, as if the worker's commit were the connection's own: no transaction of ours is
    // open then, so none can fail to upgrade to a write over the worker's commit.
    await this.db.connection().execute(() => appender.commit(rows));
  }

  async get(jti: string): Promise<TokenRow | undefined> {
    return this.db.selectFrom('tokens').selectAll().where('jti', '=', jti).executeTakeFirst();
  }

  async list(filter: TokenFilter, now: number, limit: number, cursor?: TokenCursor): Promise<TokenRow[]> {
    let query = this.db.selectFrom('tokens').selectAll().where('tenant_id', '=', filter.tenantId);
    if (filter.clientId !== undefined) query = query.where('client_id', '=', filter.clientId);
    if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
    const cutOffs = filter.clientCutOffs ?? [];
    if (filter.status === 'revoked') {
      query = query.where((eb) => eb.or([
        eb('revoked_at', 'is not', null),
        ...cutOffs.map((cut) => eb.and([eb('client_id', '=', cut.clientId), eb('issued_at', '<=', cut.issuedUpTo), eb('expires_at', '>', now)])),
      ]));
    }
    if (filter.status === 'active') {
      query = query.where('revoked_at', 'is', null).where('expires_at', '>', now);
      for (const cut of cutOffs) query = query.where((eb) => eb.or([eb('client_id', '!=', cut.clientId), eb('issued_at', '>', cut.issuedUpTo)]));
    }
    if (filter.status === 'expired') query = query.where('revoked_at', 'is', null).where('expires_at', '<=', now);
    if (cursor) {
      // The plain `issued_at <= ?` bound lets the index start at the cursor: behind an OR alone,
      // SQLite walked the index from the newest row, so deep pages cost in proportion to depth.
      query = query
        .where('issued_at', '<=', cursor.issuedAt)
        .where((eb) => eb.or([eb('issued_at', '<', cursor.issuedAt), eb('jti', '<', cursor.jti)]));
    }
    return query.orderBy('issued_at', 'desc').orderBy('jti', 'desc').limit(limit).execute();
  }

  /** Marks tokens revoked; returns the jtis that were live and are revoked now. */
  async revoke(tenantId: string, jtis: string[], now: number, reason: string): Promise<string[]> {
    if (jtis.length === 0) return [];
    const live = await this.db
      .selectFrom('tokens')
      .select('jti')
      .where('tenant_id', '=', tenantId)
      .where('jti', 'in', jtis)
      .where('revoked_at', 'is', null)
      .execute();
    if (live.length === 0) return [];
    const ids = live.map((r) => r.jti);
    await this.db.updateTable('tokens').set({ revoked_at: now, revoked_reason: reason }).where('jti', 'in', ids).where('revoked_at', 'is', null).execute();
    return ids;
  }

  async liveInFamilies(tenantId: string, familyIds: string[], now: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('tokens')
      .select('jti')
      .where('tenant_id', '=', tenantId)
      .where('family_id', 'in', familyIds)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
    return rows.map((r) => r.jti);
  }

  async revokedLive(now: number): Promise<Pick<TokenRow, 'jti' | 'expires_at'>[]> {
    return this.db.selectFrom('tokens').select(['jti', 'expires_at']).where('revoked_at', 'is not', null).where('expires_at', '>', now).execute();
  }

  async deleteByClient(tenantId: string, clientId: string): Promise<number> {
    const result = await this.db.deleteFrom('tokens').where('tenant_id', '=', tenantId).where('client_id', '=', clientId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async liveTokenWithScope(tenantId: string, scopeName: string, now: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('tokens')
      .select('jti')
      .where('tenant_id', '=', tenantId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where(listsScope('scope', scopeName))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The latest expiry among live tokens a key signed: the key stays published until then. */
  async lastExpiryForKid(kid: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('tokens')
      .select((eb) => eb.fn.max('expires_at').as('max'))
      .where('kid', '=', kid)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row?.max === null || row?.max === undefined ? undefined : Number(row.max);
  }

  /** Rows past expiry (and past the retention window) leave the table, so it grows only with live data. */
  async purgeExpired(before: number, limit: number): Promise<number> {
    const victims = this.db.selectFrom('tokens').select('jti').where('expires_at', '<', before).limit(limit);
    const result = await this.db.deleteFrom('tokens').where('jti', 'in', victims).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
