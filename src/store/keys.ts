import type { Executor } from './executor.js';
import type { SigningKeyRow } from './schema.js';

/** A key's row without its key material: what listings show. */
export type SigningKeyInfoRow = Omit<SigningKeyRow, 'private_key' | 'public_jwk'>;

export class KeyStore {
  constructor(private readonly db: Executor) {}

  /** Keys still published (not withdrawn, publish_until unset or in the future), oldest activation first. */
  async published(tenantId: string, now: number): Promise<SigningKeyRow[]> {
    return this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('withdrawn_at', 'is', null)
      .where((eb) => eb.or([eb('publish_until', 'is', null), eb('publish_until', '>', now)]))
      .orderBy('activates_at', 'asc')
      .orderBy('created_at', 'asc')
      .execute();
  }

  /** Every key the tenant ever had, withdrawn and retired ones included, in the order of published(). */
  async all(tenantId: string): Promise<SigningKeyInfoRow[]> {
    return this.db
      .selectFrom('signing_keys')
      .select(['kid', 'tenant_id', 'alg', 'created_at', 'activates_at', 'publish_until', 'withdrawn_at', 'withdrawn_reason'])
      .where('tenant_id', '=', tenantId)
      .orderBy('activates_at', 'asc')
      .orderBy('created_at', 'asc')
      .execute();
  }

  async insert(row: SigningKeyRow): Promise<void> {
    await this.db.insertInto('signing_keys').values(row).execute();
  }

  async setPublishUntil(kid: string, until: number): Promise<void> {
    await this.db.updateTable('signing_keys').set({ publish_until: until }).where('kid', '=', kid).where('publish_until', 'is', null).execute();
  }

  /** Compare-and-swap: false when the key is not the tenant's or was withdrawn already. */
  async withdraw(tenantId: string, kid: string, at: number, reason: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable('signing_keys')
      .set({ withdrawn_at: at, withdrawn_reason: reason })
      .where('kid', '=', kid)
      .where('tenant_id', '=', tenantId)
      .where('withdrawn_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async reseal(kid: string, privateKey: string): Promise<void> {
    await this.db.updateTable('signing_keys').set({ private_key: privateKey }).where('kid', '=', kid).execute();
  }
}
