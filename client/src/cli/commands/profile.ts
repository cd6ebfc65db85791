/** `profile save|list|show|remove`: the named profiles in config.json; secrets are shown masked. */
import { mask } from '../../exchange-log.js';
import type { ConfigStore } from '../config-store.js';
import { UsageError } from '../failure.js';
import { resolveProfile } from '../session.js';
import type { Flags, Profile } from '../profile.js';

const masked = (profile: Profile): Profile => ({
  ...profile,
  ...(profile.clientSecret ? { clientSecret: mask(profile.clientSecret) } : {}),
  ...(profile.password ? { password: mask(profile.password) } : {}),
  ...(profile.apiKey ? { apiKey: mask(profile.apiKey) } : {}),
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
      out(`${JSON.stringify(masked(resolved.profile), null, 2)}\n`);
      return;
    }
    case 'remove':
      if (!name) throw new UsageError('usage: gatehouse-call profile remove NAME');
      if (!store.removeProfile(name)) throw new UsageError(`there is no profile "${name}" (gatehouse-call profile list)`);
      out(`removed profile "${name}"\n`);
      return;
    default:
      throw new UsageError('usage: gatehouse-call profile save|list|show|remove [NAME] [options]');
  }
}
