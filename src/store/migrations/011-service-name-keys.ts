import { sql, type Kysely } from 'kysely';

/**
 * Service names become unique per tenant case-insensitively, like scope, client and user names:
 * no "ORDERS" beside "orders". Names that already differ only by case must not stop the upgrade,
 * so in each such group one service takes the lower-case key (the all-lower-case name if there is
 * one, else the smallest) and the others keep their exact name as key: a name with an upper-case
 * letter never equals a lower-case key, and names are unique already. Those services stay as
 * they are, and no new one can join their group. Service names are ASCII (gateway/services.ts),
 * where lower() agrees on both databases and with toLowerCase().
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Nullable, without a default: nodes of the previous version, still running during a rolling
  // upgrade, insert services without a key, and NULLs never collide in a unique index.
  await db.schema.alterTable('services').addColumn('name_key', 'text').execute();
  await sql`update services set name_key = lower(name)`.execute(db);
  await sql`
    update services set name_key = name
    where exists (
      select 1 from services other
      where other.tenant_id = services.tenant_id
        and lower(other.name) = lower(services.name)
        and other.name <> services.name
        and (other.name = lower(other.name) or (services.name <> lower(services.name) and other.name < services.name))
    )`.execute(db);
  await db.schema.createIndex('services_name_key').on('services').columns(['tenant_id', 'name_key']).unique().execute();
}
