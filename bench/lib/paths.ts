import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root; children are started from here so `--import tsx` and relative paths resolve. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function repoPath(...segments: string[]): string {
  return join(REPO_ROOT, ...segments);
}
