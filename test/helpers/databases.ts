/**
 * The databases every storage-touching suite runs on: a fresh SQLite file, and a fresh
 * PostgreSQL database when GATEHOUSE_TEST_POSTGRES_URL names a server (scripts/test.mjs starts
 * one; CI requires it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** A URL of a new, empty database. */
  create(): Promise<string>;
}

const sqlite: TestDatabase = {
  name: 'sqlite',
  async create() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-test-'));
    return `sqlite:${path.join(dir, 'gatehouse.db')}`;
  },
};

function postgres(adminUrl: string): TestDatabase {
  return {
    name: 'postgres',
    async create() {
      const name = `gh_${randomBytes(6).toString('hex')}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
  };
}

export function testDatabases(): TestDatabase[] {
  const pgUrl = process.env.GATEHOUSE_TEST_POSTGRES_URL;
  if (!pgUrl && process.env.CI) throw new Error('CI must run the PostgreSQL suites: GATEHOUSE_TEST_POSTGRES_URL is not set');
  return pgUrl ? [sqlite, postgres(pgUrl)] : [sqlite];
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gh-test-'));
}
