/**
 * The console's built files (console/dist, made by `vite build console` in the install command),
 * read into memory once: a few hundred kilobytes, served without touching the disk again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** console/dist from both src/console (tests, tsx) and dist/console (the compiled server). */
export const CONSOLE_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/dist');

export interface Asset {
  body: Buffer;
  contentType: string;
  /** Vite names what it emits under assets/ by content hash: such a file never changes. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

function walk(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? walk(path.join(dir, entry.name), relative) : [relative];
  });
}

/** The built files by path relative to the console's root ("index.html", "assets/index-3f2a.js"), or undefined when not built. */
export function loadAssets(dir: string = CONSOLE_DIST): Map<string, Asset> | undefined {
  if (!fs.existsSync(path.join(dir, 'index.html'))) return undefined;
  const assets = new Map<string, Asset>();
  for (const file of walk(dir)) {
    const contentType = TYPES[path.extname(file).toLowerCase()];
    // Source maps and anything unexpected stay on disk.
    if (!contentType) continue;
    assets.set(file, { body: fs.readFileSync(path.join(dir, file)), contentType, immutable: file.startsWith('assets/') });
  }
  return assets;
}
