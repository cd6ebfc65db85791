import { randomBytes, randomFillSync } from 'node:crypto';

/** `bits` of CSPRNG output, base64url-encoded (no padding). */
export function randomToken(bits = 256): string {
  return randomBytes(Math.ceil(bits / 8)).toString('base64url');
}

const ID_BYTES = 16;
// Ids are cut from a pooled buffer refilled 256 ids at a time, as Node does for randomUUID: one
// CSPRNG call per id (randomBytes) cost ~6 µs, up to a tenth of the main thread under token load.
const idPool = Buffer.alloc(ID_BYTES * 256);
let idOffset = idPool.length;

/** The offset of ID_BYTES fresh random bytes in idPool. */
function takeIdBytes(): number {
  if (idOffset === idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  idOffset += ID_BYTES;
  return idOffset - ID_BYTES;
}

/** Identifiers (client ids, jti) need uniqueness, not secrecy: 128 bits. */
export function randomId(): string {
  const at = takeIdBytes();
  return idPool.toString('base64url', at, at + ID_BYTES);
}

/**
 * Like randomId, but the first 48 bits are the time in milliseconds (then 80 random bits), so ids
 * made close together share a prefix. As the key of a busy table (token jtis), a batch of them
 * lands in one or two index pages instead of one page per row: less to write and fsync.
 */
export function timeOrderedId(): string {
  const at = takeIdBytes();
  idPool.writeUIntBE(Date.now(), at, 6);
  return idPool.toString('base64url', at, at + ID_BYTES);
}
