/** `login`: saves the profile's settings, then signs in with the authorization code flow + PKCE on a loopback redirect. */
import { loopbackLogin } from '../../loopback-login.js';
import { openBrowser } from '../open-browser.js';
import type { ConfigStore } from '../config-store.js';
import { numberFlag, type Flags } from '../profile.js';
import { resolveProfile, withSession } from '../session.js';
import { UsageError } from '../failure.js';

export async function login(store: ConfigStore, flags: Flags, err: (line: string) => void): Promise<void> {
  const port = typeof flags.port === 'string' ? Number(flags.port) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (got "${String(flags.port)}")`);
  const timeoutSeconds = numberFlag(flags, 'timeout', 'seconds');
  const { name, profile } = resolveProfile(store, flags);
  if (profile.grant && profile.grant !== 'authorization_code') throw new UsageError(`profile "${name}" uses the ${profile.grant} grant, which needs no sign-in; use "token" or "call", or pass --grant authorization_code`);
  await withSession(store, { ...flags, grant: 'authorization_code' }, async ({ client, profile: settings }) => {
    // Saved only now that a client could be built from the settings (and its issuer, if any,
    // answered), so a mistake leaves no profile behind; yet before the browser step, so a sign-in
    // nobody completed can be tried again with just -p.
    store.saveProfile(name, settings);
    await client.forget();
    const tokens = await loopbackLogin(client, {
      port,
      ...(timeoutSeconds !== undefined ? { timeoutMs: timeoutSeconds * 1000 } : {}),
      open: (url) => {
        // One line, machine-readable, so scripts (and tests) can drive the browser step themselves.
        err(`Open this URL to sign in: ${url}`);
        if (flags['no-browser'] !== true) openBrowser(url);
      },
    });
    err(`Signed in (profile "${name}"${tokens.scope ? `, scope "${tokens.scope}"` : ''}${tokens.refreshToken ? ', with a refresh token' : ''}).`);
  });
}
