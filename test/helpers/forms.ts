/**
 * A tiny form-driving HTTP client for the login and consent pages, as INTERFACE.md promises
 * programs can: keeps cookies, reads the served form (action, hidden inputs, checkboxes) and
 * submits it like a browser, following redirects until one leaves the server.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }
}

export interface ServedForm {
  action: string;
  hidden: Record<string, string>;
  checkboxes: string[];
  html: string;
  status: number;
}

export function parseForm(html: string, pageUrl: string, status: number): ServedForm {
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form on the page (status ${status}):\n${html.slice(0, 500)}`);
  const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  const hidden: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) hidden[m[1]!] = unescape(m[2]!);
  const checkboxes = [...html.matchAll(/<input type="checkbox"[^>]*name="scope" value="([^"]*)"/g)].map((m) => unescape(m[1]!));
  return { action: new URL(unescape(action), pageUrl).toString(), hidden, checkboxes, html, status };
}

export class FormClient {
  readonly jar = new CookieJar();

  constructor(private readonly origin: string) {}

  /** GETs or POSTs, following same-server redirects; returns the last response and its URL. */
  async go(url: string, init: RequestInit = {}): Promise<{ response: Response; url: string; body: string }> {
    let current = url;
    let request: RequestInit = init;
    for (let hops = 0; hops < 10; hops++) {
      const response = await fetch(current, { ...request, redirect: 'manual', headers: { ...(request.headers as Record<string, string>), cookie: this.jar.header() } });
      this.jar.store(response);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        const next = new URL(location, current).toString();
        if (!next.startsWith(this.origin)) return { response, url: next, body: '' };
        current = next;
        request = {};
        continue;
      }
      return { response, url: current, body: await response.text() };
    }
    throw new Error('too many redirects');
  }

  async submit(form: ServedForm, fields: Record<string, string | string[]>, extra: Record<string, string> = {}) {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...form.hidden, ...fields })) {
      for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
    }
    for (const [name, value] of Object.entries(extra)) body.append(name, value);
    return this.go(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  }
}

export interface SignInOptions {
  username: string;
  password: string;
  /** Scopes to untick on the consent page. */
  untick?: string[];
  decision?: 'allow' | 'deny';
}

/** Runs /oauth/authorize → login → consent and returns the URL the server sent the browser to. */
export async function signIn(client: FormClient, authorizeUrl: string, options: SignInOptions): Promise<URL> {
  let page = await client.go(authorizeUrl);
  if (page.body.includes('name="password"')) {
    const login = parseForm(page.body, page.url, page.response.status);
    page = await client.submit(login, { username: options.username, password: options.password });
  }
  if (page.body.includes('name="decision"')) {
    const consent = parseForm(page.body, page.url, page.response.status);
    const scopes = consent.checkboxes.filter((s) => !(options.untick ?? []).includes(s));
    page = await client.submit(consent, { scope: scopes, decision: options.decision ?? 'allow' });
  }
  if (page.body) throw new Error(`the flow stopped on a page (${page.response.status}): ${page.body.slice(0, 600)}`);
  return new URL(page.url);
}
