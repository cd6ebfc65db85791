/** `call METHOD URL`: a curl-like request with the token handled; the body goes to stdout. */
import fs from 'node:fs';
import type { ConfigStore } from '../config-store.js';
import { headerPair, type Flags } from '../profile.js';
import { withSession } from '../session.js';
import { EXIT, UsageError } from '../failure.js';

/** curl's convention: @file reads a file, @- reads stdin. */
function readData(value: string): string {
  if (!value.startsWith('@')) return value;
  return fs.readFileSync(value === '@-' ? 0 : value.slice(1), 'utf8');
}

export async function call(store: ConfigStore, flags: Flags, positionals: string[], out: (text: string | Uint8Array) => void, err: (line: string) => void): Promise<number> {
  const [given, url] = positionals;
  if (!given || !url) throw new UsageError('usage: gatehouse-call call METHOD URL [--data BODY | --json BODY] [-H "Name: value"]...');
  const method = given.toUpperCase();
  // fetch refuses these a body; curl would send one, so say so rather than drop it.
  if ((method === 'GET' || method === 'HEAD') && (typeof flags.data === 'string' || typeof flags.json === 'string')) {
    throw new UsageError(`a ${method} request has no body: leave out --data and --json, or use POST, PUT or PATCH`);
  }
  try {
    new URL(url);
  } catch {
    throw new UsageError(`"${url}" is not an absolute URL`);
  }
  const headers = new Map<string, string>();
  for (const line of (flags.header as string[] | undefined) ?? []) {
    const [name, value] = headerPair(line, 'header');
    headers.set(name.toLowerCase(), value);
  }
  let body: string | undefined;
  if (typeof flags.json === 'string') {
    body = readData(flags.json);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    if (!headers.has('accept')) headers.set('accept', 'application/json');
  } else if (typeof flags.data === 'string') {
    body = readData(flags.data);
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded');
  }
  return withSession(store, flags, async ({ client }) => {
    const response = await client.fetch(url, { method, headers: [...headers], ...(body !== undefined ? { body } : {}) });
    if (flags.include === true) {
      out(`HTTP ${response.status} ${response.statusText}\n`);
      for (const [name, value] of response.headers) out(`${name}: ${value}\n`);
      out('\n');
    }
    out(new Uint8Array(await response.arrayBuffer()));
    if (response.status < 400) return EXIT.ok;
    const challenge = response.headers.get('www-authenticate');
    err(`the API answered HTTP ${response.status}${challenge ? ` (${challenge})` : ''}${response.status === 403 ? '; the token lacks a permission: ask for another --scope' : ''}`);
    return EXIT.apiError;
  });
}
