/**
 * API keys look like `ghak_<43 base64url chars><6 chars of CRC-32>`: a recognisable prefix and a
 * checksum let secret scanners find leaked keys and tell them from random strings without asking
 * us (the scheme GitHub's tokens use); the 256 random bits make them unguessable.
 */
import { crc32 } from 'node:zlib';
import { randomToken } from './random.js';

export const API_KEY_PREFIX = 'ghak_';
const BODY_LENGTH = 43;

function checksum(body: string): string {
  return Buffer.from(crc32(body).toString(16).padStart(8, '0'), 'hex').toString('base64url');
}

export function newApiKey(): string {
  const body = randomToken(256);
  return `${API_KEY_PREFIX}${body}${checksum(body)}`;
}

/** Whether a string is shaped like one of our keys with a valid checksum (no lookup needed to refuse garbage). */
export function isWellFormedApiKey(value: string): boolean {
  if (!value.startsWith(API_KEY_PREFIX) || value.length !== API_KEY_PREFIX.length + BODY_LENGTH + 6) return false;
  const body = value.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + BODY_LENGTH);
  return checksum(body) === value.slice(API_KEY_PREFIX.length + BODY_LENGTH);
}
