/** `login`: saves the profile's settings, then signs in with the authorization code flow + PKCE on a loopback redirect. */
import { loopbackLogin } from '../../loopback-login.js';
import { openBrowser } from '../open-browser.js';
import type { ConfigStore } from '../config-store.js';
import type { Flags } from '../profile.js';
import { resolveProfile, withSession } from '../session.js';
import { UsageError } from '../failure.js';

export async function login(store: ConfigStore, flags: Flags, err: (line: string) => void): Promise<void> {
  const { name, profile } = resolveProfile(store, flags);
  if (profile.grant && profile.grant !== 'authorization_code') throw new UsageError(`profile "${name}" uses the ${profile.grant} grant, which needs no sign-in; use "token" or "call", or pass --grant authorization_code`);
  store.saveProfile(name, { ...profile, grant: 'authorization_code' });
  const port = typeof flags.port === 'string' ? Number(flags.port) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (got "${String(flags.port)}")`);
  const timeoutMs = typeof flags.timeout === 'string' ? Number(flags.timeout) * 1000 : undefined;
  await withSession(store, { ...flags, grant: 'authorization_code' }, async ({ client }) => {
    await client.forget();
    const tokens = await loopbackLogin(client, {
      port,
      ...(timeoutMs ? { timeoutMs } : {}),
      open: (url) => {
        // One line, machine-readable, so scripts (and tests) can drive the browser step themselves.
        err(`Open this URL to sign in: ${url}`);
        if (flags['no-browser'] !== true) openBrowser(url);
      },
    });
    err(`Signed in (profile "${name}"${tokens.scope ? `, scope "${tokens.scope}"` : ''}${tokens.refreshToken ? ', with a refresh token' : ''}).`);
  });
}
