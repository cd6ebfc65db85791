/**
 * Signing keys per tenant (ES256). A tenant's first key is made on first use. Rotation publishes
 * the new key at once and lets nodes sign with it only after GATEHOUSE_KEY_ACTIVATION_DELAY, so
 * every verifier can have it before it sees a token signed with it; the previous key stays in the
 * JWKS until the last token it signed has expired.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { SigningKey } from '../crypto/jwt-minter.js';
import type { ServerSecret } from '../crypto/server-secret.js';
import { randomId } from '../crypto/random.js';
import type { Store } from '../store/index.js';
import type { SigningKeyRow } from '../store/schema.js';
import type { ChangeFeed } from '../events/change-feed.js';
import { nowS } from '../domain/time.js';
import { SYSTEM_ACTOR, type Actor } from '../domain/actor.js';
import { PromiseCache } from './promise-cache.js';

interface LoadedKey extends SigningKey {
  activatesAt: number;
  publicJwk: Record<string, unknown>;
  publicKey: KeyObject;
}

interface TenantKeys {
  keys: LoadedKey[];
  jwksJson: string;
}

/** Clock skew allowed between nodes before a superseded key's publication window is fixed. */
const RETIRE_GRACE_S = 60;

export class KeyRing {
  private readonly tenants = new PromiseCache<string, TenantKeys>();

  constructor(
    private readonly store: Store,
    private readonly secret: ServerSecret,
    private readonly feed: ChangeFeed,
    private readonly activationDelayS: number,
  ) {
    feed.on((event) => {
      if (event.kind === 'keys.changed' || event.kind === 'tenant.deleted') this.tenants.delete(event.tenantId);
    });
  }

  /** The key to sign with now: the newest one whose activation time has passed. */
  async signingKey(tenantId: string): Promise<SigningKey> {
    const { keys } = await this.load(tenantId);
    const now = nowS();
    for (let i = keys.length - 1; i >= 0; i--) if (keys[i]!.activatesAt <= now) return keys[i]!;
    return keys[0]!;
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
      // Nodes that meet an empty tenant together may each make a first key; the event makes
      // every node reload, so all of them publish all such keys.
      const now = nowS();
      const row = this.newKeyRow(tenantId, now, now);
      await this.feed.write(async (tx) => {
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
    };
  }
}
