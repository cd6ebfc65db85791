/**
 * GATEHOUSE_SECRET_KEY: the server secret that keys the hashes of client secrets (a pepper) and
 * encrypts signing keys at rest. It is versioned so it can be rotated: `v2:<secret>,v1:<old>`
 * (the first entry is current; a bare value is version v1). Material hashed or encrypted under an
 * old version stays readable and is upgraded on its next use.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../config.js';

interface Version {
  id: string;
  hashKey: Buffer;
  encryptionKey: Buffer;
}

export interface SecretCheck {
  ok: boolean;
  /** The stored hash was made under an older key version and should be replaced. */
  stale: boolean;
}

export class ServerSecret {
  private readonly versions: Map<string, Version>;
  readonly current: Version;

  constructor(raw: string) {
    const entries = raw.split(',').map((part) => part.trim()).filter(Boolean);
    if (entries.length === 0) throw new ConfigError('GATEHOUSE_SECRET_KEY', 'is empty');
    this.versions = new Map();
    const parsed = entries.map((entry, index) => {
      const match = /^(v\d+):(.+)$/.exec(entry);
      const id = match ? match[1]! : entries.length === 1 ? 'v1' : '';
      const secret = match ? match[2]! : entry;
      if (!id) throw new ConfigError('GATEHOUSE_SECRET_KEY', `entry ${index + 1} needs a version prefix like v2:…`);
      if (secret.length < 32) throw new ConfigError('GATEHOUSE_SECRET_KEY', `version ${id} must be at least 32 characters`);
      if (this.versions.has(id)) throw new ConfigError('GATEHOUSE_SECRET_KEY', `version ${id} appears twice`);
      const version: Version = {
        id,
        hashKey: Buffer.from(hkdfSync('sha256', secret, 'gatehouse', 'secret-hash', 32)),
        encryptionKey: Buffer.from(hkdfSync('sha256', secret, 'gatehouse', 'key-encryption', 32)),
      };
      this.versions.set(id, version);
      return version;
    });
    this.current = parsed[0]!;
  }

  /** Keyed hash of a high-entropy secret (client secrets, registration tokens, API keys, refresh tokens). */
  hash(secret: string): string {
    return `${this.current.id}$${this.mac(this.current, secret).toString('base64url')}`;
  }

  /**
   * Deterministic, indexable keys for a secret that is looked up by its value (refresh tokens,
   * API keys): one per key version, current first, so rows written before a rotation are found.
   */
  lookupKeys(secret: string): string[] {
    return [...this.versions.values()].map((version) => `${version.id}$${this.mac(version, secret).toString('base64url')}`);
  }

  verify(secret: string, stored: string): SecretCheck {
    const sep = stored.indexOf('$');
    const version = sep > 0 ? this.versions.get(stored.slice(0, sep)) : undefined;
    if (!version) return { ok: false, stale: false };
    const expected = Buffer.from(stored.slice(sep + 1), 'base64url');
    const actual = this.mac(version, secret);
    const ok = expected.length === actual.length && timingSafeEqual(expected, actual);
    return { ok, stale: ok && version !== this.current };
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.encryptionKey, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [this.current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(sealed: string): { plaintext: string; stale: boolean } {
    const [id, iv, tag, body] = sealed.split('.');
    const version = id ? this.versions.get(id) : undefined;
    if (!version || !iv || !tag || body === undefined) {
      throw new Error(`cannot decrypt: key version ${id ?? '?'} is not in GATEHOUSE_SECRET_KEY`);
    }
    const decipher = createDecipheriv('aes-256-gcm', version.encryptionKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plaintext = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    return { plaintext, stale: version !== this.current };
  }

  private mac(version: Version, secret: string): Buffer {
    return createHmac('sha256', version.hashKey).update(secret, 'utf8').digest();
  }
}
