/**
 * The login and consent pages driven like test/helpers/forms.ts signIn, except that every request
 * goes to the next node in turn: the pending authorization, the session cookie and the CSRF token
 * minted by one node must be honoured by the other.
 */
import { CookieJar, parseForm, type SignInOptions } from '../helpers/forms.js';

/** Returns the URL the cluster finally sent the browser to (the client's redirect URI). */
export async function signInAcross(origins: string[], authorizeUrl: string, options: SignInOptions): Promise<URL> {
  const jar = new CookieJar();
  const ours = new Set(origins.map((origin) => new URL(origin).origin));
  let turn = 0;
  const onNextNode = (url: string) => {
    const moved = new URL(url);
    const origin = new URL(origins[turn++ % origins.length]!);
    moved.protocol = origin.protocol;
    moved.host = origin.host;
    return moved.toString();
  };

  let url = authorizeUrl;
  let init: RequestInit = {};
  for (let hops = 0; hops < 12; hops++) {
    const target = onNextNode(url);
    const response = await fetch(target, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header() } });
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, target);
      if (!ours.has(next.origin)) return next;
      url = next.toString();
      init = {};
      continue;
    }
    const html = await response.text();
    const form = parseForm(html, target, response.status);
    const fields: [string, string][] = html.includes('name="password"')
      ? [
          ['username', options.username],
          ['password', options.password],
        ]
      : html.includes('name="decision"')
        ? [...form.checkboxes.filter((s) => !(options.untick ?? []).includes(s)).map((s): [string, string] => ['scope', s]), ['decision', options.decision ?? 'allow']]
        : [];
    if (!fields.length) throw new Error(`the flow stopped on a page (${response.status}): ${html.slice(0, 600)}`);
    url = form.action;
    init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams([...Object.entries(form.hidden), ...fields]).toString() };
  }
  throw new Error('too many redirects');
}
