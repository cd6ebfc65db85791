/**
 * `profile save|list|show|remove`: the named profiles in config.json. `show` masks secrets: the
 * client secret, password and API key, a proxy URL's password, and extra headers by the rule
 * --verbose follows (exchange-log.ts).
 */
import { mask, maskHeaderValue } from '../../exchange-log.js';
import type { ConfigStore } from '../config-store.js';
import { UsageError } from '../failure.js';
import { resolveProfile } from '../session.js';
import type { Flags, Profile, SideSettings } from '../profile.js';

/** The password of a proxy URL's user info (up to its last "@"), with or without a scheme; the user name stays, to tell accounts apart. */
const PROXY_PASSWORD = /^((?:[a-z][a-z0-9+.-]*:\/\/)?[^/?#@:]*:)[^/?#]*@/i;

const maskedSide = (side: SideSettings): SideSettings => (side.proxy ? { ...side, proxy: side.proxy.replace(PROXY_PASSWORD, '$1****@') } : side);

const noSuchProfile = (name: string) => new UsageError(`there is no profile "${name}" (gatehouse-call profile list)`);

const masked = (profile: Profile): Profile => ({
  ...profile,
  ...(profile.clientSecret ? { clientSecret: mask(profile.clientSecret) } : {}),
  ...(profile.password ? { password: mask(profile.password) } : {}),
  ...(profile.apiKey ? { apiKey: mask(profile.apiKey) } : {}),
  ...(profile.headers ? { headers: Object.fromEntries(Object.entries(profile.headers).map(([name, value]) => [name, maskHeaderValue(name, value)])) } : {}),
  ...(profile.token ? { token: maskedSide(profile.token) } : {}),
  ...(profile.api ? { api: maskedSide(profile.api) } : {}),
});

export function profileCommand(store: ConfigStore, flags: Flags, positionals: string[], out: (text: string) => void): void {
  const [action, name] = positionals;
  const named = { ...flags, ...(name ? { profile: name } : {}) };
  switch (action) {
    case 'save': {
      const resolved = resolveProfile(store, named);
      store.saveProfile(resolved.name, resolved.profile);
      out(`saved profile "${resolved.name}" in ${store.configFile}\n`);
      return;
    }
    case 'list':
      for (const profileName of Object.keys(store.profiles())) out(`${profileName}\n`);
      return;
    case 'show': {
      const resolved = resolveProfile(store, named);
      if (!(resolved.name in store.profiles())) throw noSuchProfile(resolved.name);
      out(`${JSON.stringify(masked(resolved.profile), null, 2)}\n`);
      return;
    }
    case 'remove':
      if (!name) throw new UsageError('usage: gatehouse-call profile remove NAME');
      if (!store.removeProfile(name)) throw noSuchProfile(name);
      out(`removed profile "${name}"\n`);
      return;
    default:
      throw new UsageError('usage: gatehouse-call profile save|list|show|remove [NAME] [options]');
  }
}
