import type { Executor } from './executor.js';
import { bit, json } from './executor.js';
import type { UserRow } from './schema.js';
import { nameSpellings } from '../domain/names.js';

export interface User {
  tenantId: string;
  id: string;
  username: string;
  passwordHash: string | null;
  email: string | null;
  emailVerified: boolean;
  givenName: string | null;
  familyName: string | null;
  externalId: string | null;
  roles: string[];
  disabled: boolean;
  notBefore: number;
  createdAt: number;
  updatedAt: number;
}

function toUser(row: UserRow): User {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    email: row.email,
    emailVerified: row.email_verified === 1,
    givenName: row.given_name,
    familyName: row.family_name,
    externalId: row.external_id,
    roles: JSON.parse(row.roles),
    disabled: row.disabled === 1,
    notBefore: Number(row.not_before),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toRow(user: User): UserRow {
  return {
    tenant_id: user.tenantId,
    id: user.id,
    username: user.username,
    username_key: user.username.toLowerCase(),
    password_hash: user.passwordHash,
    email: user.email,
    email_verified: bit(user.emailVerified),
    given_name: user.givenName,
    family_name: user.familyName,
    external_id: user.externalId,
    roles: json(user.roles),
    disabled: bit(user.disabled),
    not_before: user.notBefore,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

export class UserStore {
  constructor(private readonly db: Executor) {}

  async get(tenantId: string, id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  /** The tenant's users among `ids`, in no particular order; unknown ids are left out. */
  async getMany(tenantId: string, ids: string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', ids).execute();
    return rows.map(toUser);
  }

  /** Usernames are unique per tenant, case-insensitively. */
  async byUsername(tenantId: string, username: string): Promise<User | undefined> {
    const keys = nameSpellings(username).map((spelling) => spelling.toLowerCase());
    const rows = await this.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('username_key', 'in', keys).execute();
    // Two spellings may both be users, made before they counted as one name: the one typed wins.
    const row = rows.find((candidate) => candidate.username_key === keys[0]) ?? rows[0];
    return row && toUser(row);
  }

  async list(tenantId: string, limit: number, after?: string): Promise<User[]> {
    let query = this.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId);
    if (after !== undefined) query = query.where('id', '>', after);
    return (await query.orderBy('id').limit(limit).execute()).map(toUser);
  }

  async insert(user: User): Promise<void> {
    await this.db.insertInto('users').values(toRow(user)).execute();
  }

  async update(user: User): Promise<void> {
    const { tenant_id, id, created_at, ...rest } = toRow(user);
    await this.db.updateTable('users').set(rest).where('tenant_id', '=', tenant_id).where('id', '=', id).execute();
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
