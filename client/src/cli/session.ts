/**
 * One CLI run against one profile: the client built from the stored profile merged with this
 * run's flags, its saved tokens put back, and whatever tokens it ends with saved again.
 */
import { OAuthClient } from '../oauth-client.js';
import type { ConfigStore } from './config-store.js';
import { clientOptions, mergeProfiles, profileFromFlags, type Flags, type Profile } from './profile.js';
import { printExchange } from './verbose.js';

export interface Session {
  store: ConfigStore;
  name: string;
  profile: Profile;
  client: OAuthClient;
}

export function resolveProfile(store: ConfigStore, flags: Flags): { name: string; profile: Profile } {
  const name = (typeof flags.profile === 'string' && flags.profile) || process.env.GATEHOUSE_CALL_PROFILE || 'default';
  return { name, profile: mergeProfiles(store.profiles()[name] ?? {}, profileFromFlags(flags)) };
}

export async function withSession<T>(store: ConfigStore, flags: Flags, run: (session: Session) => Promise<T>): Promise<T> {
  const { name, profile } = resolveProfile(store, flags);
  const client = new OAuthClient({ ...clientOptions(profile, name), ...(flags.verbose === true ? { onExchange: (event) => printExchange(event) } : {}) });
  try {
    const key = await client.cacheKey();
    const saved = store.tokens(name);
    if (saved?.key === key) await client.restore(saved.set);
    try {
      return await run({ store, name, profile, client });
    } finally {
      const now = await client.snapshot();
      if (now && JSON.stringify(now) !== JSON.stringify(saved?.set)) store.saveTokens(name, { key, set: now });
    }
  } finally {
    await client.close();
  }
}
