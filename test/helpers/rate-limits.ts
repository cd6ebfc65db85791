/** Rate limits count in fixed 60-second windows (src/ratelimit/limits.ts). */
import { WINDOW_S } from '../../src/ratelimit/limits.js';

/**
 * Waits, when needed, until a window has at least `marginS` seconds left, so a test's requests
 * all fall in one window and a count is not reset halfway through.
 */
export async function freshWindow(marginS = 20): Promise<void> {
  const intoWindow = (Date.now() / 1000) % WINDOW_S;
  if (WINDOW_S - intoWindow < marginS) await new Promise((r) => setTimeout(r, (WINDOW_S - intoWindow + 0.05) * 1000));
}
