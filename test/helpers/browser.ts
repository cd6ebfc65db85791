/**
 * Debian's chromium driven by playwright-core (`apt-get install chromium`; .ci/run installs it):
 * never a downloaded browser. Outside CI a missing chromium skips the browser suites; in CI it
 * fails them, so a broken install step cannot pass for green.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from './server.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Where screenshots go, kept by CI as test artifacts. */
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

/** The `skip` option of a browser suite. */
export const skipWithoutChromium: string | false =
  !fs.existsSync(CHROMIUM) && !process.env.CI ? `browser suite skipped: ${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does this in CI` : false;

export function launchChromium(): Promise<Browser> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}
