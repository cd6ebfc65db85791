import type { Executor } from './executor.js';
import type { SigningKeyRow } from './schema.js';

export class KeyStore {
  constructor(private readonly db: Executor) {}

  /** Keys still published (publish_until unset or in the future), oldest activation first. */
  async published(tenantId: string, now: number): Promise<SigningKeyRow[]> {
    return this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('publish_until', 'is', null), eb('publish_until', '>', now)]))
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

  async reseal(kid: string, privateKey: string): Promise<void> {
    await this.db.updateTable('signing_keys').set({ private_key: privateKey }).where('kid', '=', kid).execute();
  }
}
