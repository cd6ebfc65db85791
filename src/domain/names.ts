/** Names people read and tell apart: usernames and client names. */

/**
 * The spellings a name is compared under: as given, composed (NFC) and decomposed (NFD), so that
 * "Café" typed on one keyboard is the name another keyboard typed.
 */
export function nameSpellings(name: string): string[] {
  return [...new Set([name, name.normalize('NFC'), name.normalize('NFD')])];
}

/**
 * Characters that make a name look like another or hide part of it: bidirectional overrides,
 * embeddings and isolates, and invisible spaces. Joiners (ZWJ, ZWNJ) stay allowed: scripts need them.
 */
export const DECEPTIVE_CHARACTERS = /[\u200B\u2060\uFEFF\u202A-\u202E\u2066-\u2069]/;
