/**
 * Signing keys per tenant (ES256). A tenant's first key is made on first use. Rotation publishes
 * the new key at once and lets nodes sign with it only after GATEHOUSE_KEY_ACTIVATION_DELAY, so
 * every verifier can have it before it sees a token signed with it; the previous key stays in the
 * JWKS until the last token it signed has expired. Withdrawal (a leaked key) takes a key out of the
 * JWKS at once and every node refuses its tokens as soon as the change feed reaches it.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { SigningKey } from '../crypto/jwt-minter.js';
import type { ServerSecret } from '../crypto/server-secret.js';
import { randomId } from '../crypto/random.js';
import type { Store } from '../store/index.js';
import type { SigningKeyRow } from '../store/schema.js';
import type { SigningKeyInfoRow } from '../store/keys.js';
import type { ChangeFeed } from '../events/change-feed.js';
import { nowS } from '../domain/time.js';
import { SYSTEM_ACTOR, type Actor } from '../domain/actor.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import { PromiseCache } from './promise-cache.js';
import { UnknownTenantError } from '../tenancy/resolve-tenant.js';

interface LoadedKey extends SigningKey {
  activatesAt: number;
  publicJwk: Record<string, unknown>;
  publicKey: KeyObject;
}

interface TenantKeys {
  keys: LoadedKey[];
  jwksJson: string;
}

/**
 * `pending`: published, not signing yet; `active`: the one signing now; `retiring`: superseded,
 * published until its retirement time; `retired`: past it, no longer published; `withdrawn`: out
 * of the JWKS at once, its tokens refused.
 */
export type KeyStatus = 'pending' | 'active' | 'retiring' | 'retired' | 'withdrawn';

/** A key as listings show it: never its key material. */
export interface SigningKeyInfo {
  kid: string;
  alg: string;
  status: KeyStatus;
  createdAt: number;
  activatesAt: number;
  /** Until when a superseded key stays published; null until maintenance fixes it. */
  retiresAt: number | null;
  withdrawnAt: number | null;
  withdrawnReason: string | null;
}

/** Told the tenant whose keys changed, or undefined when every tenant's may have. */
export type KeysChangedListener = (tenantId: string | undefined) => void;

/** Clock skew allowed between nodes before a superseded key's publication window is fixed. */
const RETIRE_GRACE_S = 60;

/** The key that signs at `now`, of keys in published order: the newest activated one, else the first. */
function signingIndex(keys: readonly { activatesAt: number }[], now: number): number {
  for (let i = keys.length - 1; i >= 0; i--) if (keys[i]!.activatesAt <= now) return i;
  return 0;
}

/** Statuses as the key ring would act on them at `now`, from rows in published order. */
function describeKeys(rows: SigningKeyInfoRow[], now: number): SigningKeyInfo[] {
  const keys = rows.map((row): SigningKeyInfo => ({
    kid: row.kid,
    alg: row.alg,
    status: 'retired',
    createdAt: Number(row.created_at),
    activatesAt: Number(row.activates_at),
    retiresAt: row.publish_until == null ? null : Number(row.publish_until),
    withdrawnAt: row.withdrawn_at == null ? null : Number(row.withdrawn_at),
    withdrawnReason: row.withdrawn_reason ?? null,
  }));
  const published = keys.filter((k) => k.withdrawnAt === null && (k.retiresAt === null || k.retiresAt > now));
  const active = published[signingIndex(published, now)];
  for (const key of keys) {
    if (key.withdrawnAt !== null) key.status = 'withdrawn';
    else if (key === active) key.status = 'active';
    else if (published.includes(key)) key.status = key.activatesAt > now ? 'pending' : 'retiring';
  }
  return keys;
}

export class KeyRing {
  private readonly tenants = new PromiseCache<string, TenantKeys>();
  private readonly listeners: KeysChangedListener[] = [];

  constructor(
    private readonly store: Store,
    private readonly secret: ServerSecret,
    private readonly feed: ChangeFeed,
    private readonly activationDelayS: number,
  ) {
    feed.on((event) => {
      if (event.kind !== 'keys.changed' && event.kind !== 'tenant.deleted') return;
      this.tenants.delete(event.tenantId);
      for (const listener of this.listeners) listener(event.tenantId);
    });
    // A node that fell behind the event log may have missed a withdrawal.
    feed.onReset(async () => {
      this.tenants.clear();
      for (const listener of this.listeners) listener(undefined);
    });
  }

  /**
   * Called after this node dropped a tenant's keys: anything that holds on to the outcome of a
   * verification (a cache of verified tokens) must forget it, or a withdrawn key's tokens would
   * keep passing there.
   */
  onChange(listener: KeysChangedListener): void {
    this.listeners.push(listener);
  }

  /** The key to sign with now: the newest one whose activation time has passed. */
  async signingKey(tenantId: string): Promise<SigningKey> {
    const { keys } = await this.load(tenantId);
    return keys[signingIndex(keys, nowS())]!;
  }

  /** The tenant's JWKS document, serialised once per change. */
  async jwksJson(tenantId: string): Promise<string> {
    return (await this.load(tenantId)).jwksJson;
  }

  async publicKey(tenantId: string, kid: string): Promise<KeyObject | undefined> {
    return (await this.load(tenantId)).keys.find((k) => k.kid === kid)?.publicKey;
  }

  /** Adds a key that nodes start signing with after the activation delay. */
  async rotate(tenantId: string, actor: Actor = SYSTEM_ACTOR): Promise<{ kid: string; activatesAt: number }> {
    const now = nowS();
    const row = this.newKeyRow(tenantId, now, now + this.activationDelayS);
    await this.feed.write(async (tx) => {
      await tx.keys.insert(row);
      await tx.events.append({ tenantId, kind: 'keys.changed', target: row.kid, payload: {}, createdAt: now });
      await tx.audit.append({ tenantId, actor: actor.id, source: actor.source, action: 'keys.rotated', target: row.kid, detail: { activates_at: row.activates_at }, createdAt: now });
    });
    return { kid: row.kid, activatesAt: row.activates_at };
  }

  /** The tenant's keys, latest activation first, with what each is doing now. */
  async list(tenantId: string): Promise<SigningKeyInfo[]> {
    // Listing is a use: a tenant's first key exists once anyone looks.
    await this.load(tenantId);
    return describeKeys(await this.store.keys.all(tenantId), nowS()).reverse();
  }

  /**
   * Takes a key out of the JWKS at once; every node refuses its tokens once the change feed reaches
   * it, and the row stays for audit. Withdrawing the key that signs now (so also the tenant's last
   * one) first adds a successor that signs at once, without the activation delay: signing on with
   * a leaked key is worse than a node refusing the successor's tokens until the feed reaches it.
   */
  async withdraw(tenantId: string, kid: string, reason: string | null, actor: Actor = SYSTEM_ACTOR): Promise<{ withdrawn: SigningKeyInfo; replacement: SigningKeyInfo | undefined }> {
    const now = nowS();
    const replacementKid = await this.feed.write(async (tx) => {
      const key = describeKeys(await tx.keys.all(tenantId), now).find((k) => k.kid === kid);
      if (!key) throw new NotFoundError(`no signing key "${kid}" in this tenant`);
      // The compare-and-swap settles two withdrawals racing each other.
      if (key.status === 'withdrawn' || !(await tx.keys.withdraw(tenantId, kid, now, reason))) throw new ConflictError(`signing key "${kid}" is withdrawn already`);
      const replacement = key.status === 'active' ? this.newKeyRow(tenantId, now, now) : undefined;
      if (replacement) await tx.keys.insert(replacement);
      await tx.events.append({ tenantId, kind: 'keys.changed', target: kid, payload: { withdrawn: true }, createdAt: now });
      await tx.audit.append({ tenantId, actor: actor.id, source: actor.source, action: 'keys.withdrawn', target: kid, detail: { reason, replaced_by: replacement?.kid ?? null }, createdAt: now });
      return replacement?.kid;
    });
    const keys = await this.list(tenantId);
    return { withdrawn: keys.find((k) => k.kid === kid)!, replacement: keys.find((k) => k.kid === replacementKid) };
  }

  /**
   * Fixes how long superseded keys stay published: until the last token each signed expires.
   * Runs in the background maintenance loop.
   */
  async retireSuperseded(tenantId: string): Promise<void> {
    const now = nowS();
    const rows = await this.store.keys.published(tenantId, now);
    const active = rows.filter((r) => r.activates_at <= now - RETIRE_GRACE_S);
    const current = active.at(-1);
    if (!current) return;
    let changed = false;
    for (const row of active.slice(0, -1)) {
      if (row.publish_until !== null) continue;
      const lastExpiry = await this.store.tokens.lastExpiryForKid(row.kid);
      await this.store.keys.setPublishUntil(row.kid, Math.max(lastExpiry ?? now, now) + RETIRE_GRACE_S);
      changed = true;
    }
    if (changed) {
      await this.feed.write((tx) => tx.events.append({ tenantId, kind: 'keys.changed', target: current.kid, payload: {}, createdAt: now }));
    }
  }

  loadedTenants(): string[] {
    return this.tenants.keys();
  }

  private load(tenantId: string): Promise<TenantKeys> {
    return this.tenants.get(tenantId, () => this.read(tenantId));
  }

  private async read(tenantId: string): Promise<TenantKeys> {
    let rows = await this.store.keys.published(tenantId, nowS());
    if (rows.length === 0) {
      // A tenant's first key. Nodes that meet the empty tenant together (a cluster's first
      // start) queue on the tenant's row, and only the first makes the key; a tenant deleted
      // meanwhile gets none, and its requests the 404 of an unknown tenant.
      const now = nowS();
      const row = this.newKeyRow(tenantId, now, now);
      await this.feed.write(async (tx) => {
        if (!(await tx.tenants.getForUpdate(tenantId))) throw new UnknownTenantError(`no tenant "${tenantId}"`);
        if ((await tx.keys.published(tenantId, now)).length > 0) return;
        await tx.keys.insert(row);
        await tx.events.append({ tenantId, kind: 'keys.changed', target: row.kid, payload: {}, createdAt: now });
      });
      rows = await this.store.keys.published(tenantId, now);
    }
    const keys = await Promise.all(rows.map((row) => this.unseal(row)));
    const jwks = { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })) };
    return { keys, jwksJson: JSON.stringify(jwks) };
  }

  private async unseal(row: SigningKeyRow): Promise<LoadedKey> {
    const { plaintext, stale } = this.secret.decrypt(row.private_key);
    // Re-encrypt under the current server secret version, so old versions can be dropped.
    if (stale) await this.store.keys.reseal(row.kid, this.secret.encrypt(plaintext));
    const privateKey = createPrivateKey(plaintext);
    return {
      kid: row.kid,
      alg: 'ES256',
      privateKey,
      publicKey: createPublicKey(privateKey),
      activatesAt: Number(row.activates_at),
      publicJwk: JSON.parse(row.public_jwk),
    };
  }

  private newKeyRow(tenantId: string, now: number, activatesAt: number): SigningKeyRow {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    return {
      kid: randomId(),
      tenant_id: tenantId,
      alg: 'ES256',
      public_jwk: JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }),
      private_key: this.secret.encrypt(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
      created_at: now,
      activates_at: activatesAt,
      publish_until: null,
      withdrawn_at: null,
      withdrawn_reason: null,
    };
  }
}
