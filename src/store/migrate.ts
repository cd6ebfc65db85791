/**
 * Applies the migrations in order. Kysely's migrator takes a lock in the database, so nodes that
 * start together against one PostgreSQL run each migration exactly once, one node at a time.
 */
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './db.js';
import { ConfigError } from '../config.js';
import * as core from './migrations/001-core.js';
import * as signIn from './migrations/002-sign-in.js';
import * as services from './migrations/003-services.js';
import * as apiKeys from './migrations/004-api-keys.js';
import * as rateLimits from './migrations/005-rate-limits.js';
import * as tokenListIndexes from './migrations/006-token-list-indexes.js';
import * as purgeIndexes from './migrations/007-purge-indexes.js';
import * as apiKeyInvalidation from './migrations/008-api-key-invalidation.js';
import * as signingKeyWithdrawal from './migrations/009-signing-key-withdrawal.js';
import * as clientSecretOverlap from './migrations/010-client-secret-overlap.js';
import * as serviceNameKeys from './migrations/011-service-name-keys.js';
import * as tenantTombstones from './migrations/012-tenant-tombstones.js';
import * as postLogoutRedirectUris from './migrations/013-post-logout-redirect-uris.js';

type Step = { up: (db: any, dialect: Db['dialect']) => Promise<void> };
const steps: Record<string, Step> = {
  '001-core': core,
  '002-sign-in': signIn,
  '003-services': services,
  '004-api-keys': apiKeys,
  '005-rate-limits': rateLimits,
  '006-token-list-indexes': tokenListIndexes,
  '007-purge-indexes': purgeIndexes,
  '008-api-key-invalidation': apiKeyInvalidation,
  '009-signing-key-withdrawal': signingKeyWithdrawal,
  '010-client-secret-overlap': clientSecretOverlap,
  '011-service-name-keys': serviceNameKeys,
  '012-tenant-tombstones': tenantTombstones,
  '013-post-logout-redirect-uris': postLogoutRedirectUris,
};

export async function migrateToLatest(db: Db): Promise<string[]> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const migrations: Record<string, Migration> = {};
      for (const [name, step] of Object.entries(steps)) migrations[name] = { up: (k) => step.up(k, db.dialect) };
      return migrations;
    },
  };
  const migrator = new Migrator({ db: db.kysely, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    // Kysely calls a migration it does not know "corrupted": here it means a newer Gatehouse.
    const unknown = error instanceof Error ? /previously executed migration (\S+) is missing/.exec(error.message)?.[1] : undefined;
    if (unknown) throw new ConfigError('GATEHOUSE_DATABASE_URL', `the database was upgraded by a newer Gatehouse (its migration ${unknown} is unknown to this version): run that version or a later one`);
    throw error instanceof Error ? error : new Error(String(error));
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
