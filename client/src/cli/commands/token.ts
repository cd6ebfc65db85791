/** `token`: prints a valid access token (renewed when needed), for use in other tools. */
import type { ConfigStore } from '../config-store.js';
import type { Flags } from '../profile.js';
import { withSession } from '../session.js';

export async function token(store: ConfigStore, flags: Flags, out: (text: string) => void): Promise<void> {
  await withSession(store, flags, async ({ client }) => {
    out(`${(await client.getToken()).accessToken}\n`);
  });
}
