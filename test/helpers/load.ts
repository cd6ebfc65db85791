/**
 * Token load for reliability tests: concurrent loops of client_credentials requests that record
 * exactly what each request ended as (a token fully received, another status, or a connection
 * error), and can fire an action (kill, SIGTERM) in the middle of the load.
 */
import { Agent } from 'undici';
import { decodeJwt } from 'jose';
import { basic, bearer, clientCredentialsToken, form, request, type JsonResponse } from './oauth.js';

export type Outcome =
  | { kind: 'token'; token: string; startedBeforeTrigger: boolean; endedBeforeTrigger: boolean }
  | { kind: 'status'; status: number; body: string; startedBeforeTrigger: boolean; endedBeforeTrigger: boolean }
  | { kind: 'connection-error'; code: string; startedBeforeTrigger: boolean; endedBeforeTrigger: boolean }
  | { kind: 'unexpected-error'; error: string; startedBeforeTrigger: boolean; endedBeforeTrigger: boolean };

export interface LoadResult {
  outcomes: Outcome[];
  tokens: string[];
  /** Requests sent but not finished when the trigger fired. */
  inFlightAtTrigger: number;
  /** Tokens fully received before the trigger fired. */
  tokensAtTrigger: number;
  triggeredAfterMs: number | undefined;
}

/** Error codes that mean "the connection went away or could not be made". */
const CONNECTION_ERRORS = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED', 'UND_ERR_ABORTED']);

function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}

export interface LoadOptions {
  concurrency: number;
  clientId: string;
  clientSecret: string;
  /** Fire the trigger once this many tokens have been received... */
  triggerAtTokens: number;
  /** ...or after this long, whichever comes first. */
  triggerAtMs: number;
  trigger: () => void;
  /** After the trigger, loops stop at their first connection error or after this long. */
  drainMs?: number;
}

/** Hammers POST /oauth/token with client_credentials until the trigger has fired and the server stopped answering. */
export async function tokenLoad(url: string, options: LoadOptions): Promise<LoadResult> {
  const target = new URL(url);
  const agent = new Agent({ connections: options.concurrency, pipelining: 1, keepAliveTimeout: 10_000 });
  const outcomes: Outcome[] = [];
  const tokens: string[] = [];
  const start = Date.now();
  let triggered = false;
  let triggeredAt = 0;
  let inFlight = 0;
  let inFlightAtTrigger = 0;
  let tokensAtTrigger = 0;
  const body = new URLSearchParams({ grant_type: 'client_credentials' }).toString();
  const headers = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(options.clientId, options.clientSecret) };

  const fire = () => {
    if (triggered) return;
    triggered = true;
    triggeredAt = Date.now();
    inFlightAtTrigger = inFlight;
    tokensAtTrigger = tokens.length;
    options.trigger();
  };
  const timer = setTimeout(fire, options.triggerAtMs);
  const drainMs = options.drainMs ?? 15_000;

  const loop = async () => {
    for (;;) {
      if (triggered && Date.now() - triggeredAt > drainMs) return;
      const startedBeforeTrigger = !triggered;
      inFlight++;
      let outcome: Outcome;
      try {
        const response = await agent.request({ origin: target.origin, path: `${target.pathname.replace(/\/$/, '')}/oauth/token`, method: 'POST', headers, body });
        // The body is read to its end before anything counts as received.
        const text = await response.body.text();
        const endedBeforeTrigger = !triggered;
        if (response.statusCode === 200) {
          const parsed = JSON.parse(text) as { access_token?: unknown };
          if (typeof parsed.access_token !== 'string') throw new Error(`200 without an access_token: ${text}`);
          outcome = { kind: 'token', token: parsed.access_token, startedBeforeTrigger, endedBeforeTrigger };
          tokens.push(parsed.access_token);
        } else {
          outcome = { kind: 'status', status: response.statusCode, body: text.slice(0, 300), startedBeforeTrigger, endedBeforeTrigger };
        }
      } catch (error) {
        const code = errorCode(error);
        const endedBeforeTrigger = !triggered;
        outcome = CONNECTION_ERRORS.has(code)
          ? { kind: 'connection-error', code, startedBeforeTrigger, endedBeforeTrigger }
          : { kind: 'unexpected-error', error: `${code} ${String(error)}`, startedBeforeTrigger, endedBeforeTrigger };
      } finally {
        inFlight--;
      }
      outcomes.push(outcome);
      if (!triggered && tokens.length >= options.triggerAtTokens) fire();
      // An error ends this loop: after the trigger it is the server going away; before it, a
      // finding the test reports from `outcomes`.
      if (outcome.kind === 'connection-error' || outcome.kind === 'unexpected-error') return;
      if (outcome.kind === 'status' && outcome.status === 503) await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, loop));
  } finally {
    clearTimeout(timer);
    await agent.destroy().catch(() => {});
  }
  // If every loop ended early (e.g. all failed before the trigger), fire anyway so the caller's action runs.
  fire();
  return { outcomes, tokens, inFlightAtTrigger, tokensAtTrigger, triggeredAfterMs: triggeredAt ? triggeredAt - start : undefined };
}

/** Runs `fn` over `items` with at most `concurrency` at a time. */
export async function forEachConcurrent<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export interface TokenCheck {
  jti: string;
  listed: number;
  listedStatus: string | undefined;
  active: boolean;
}

/**
 * For each token: GET /admin/api/v1/tokens/{jti} and POST /oauth/introspect, both with the
 * admin client. Returns the tokens that are not both listed (200, status active) and active.
 */
export async function tokensNotKnown(url: string, adminId: string, adminSecret: string, tokens: string[], adminToken?: string): Promise<TokenCheck[]> {
  adminToken ??= await clientCredentialsToken(url, adminId, adminSecret);
  const failures: TokenCheck[] = [];
  await forEachConcurrent(tokens, 16, async (token) => {
    const jti = decodeJwt(token).jti!;
    const listed = await request(`${url}/admin/api/v1/tokens/${encodeURIComponent(jti)}`, { headers: bearer(adminToken) });
    const introspected = await request(`${url}/oauth/introspect`, form({ token }, { authorization: basic(adminId, adminSecret) }));
    const check: TokenCheck = { jti, listed: listed.status, listedStatus: listed.body?.status, active: introspected.status === 200 && introspected.body?.active === true && introspected.body?.jti === jti };
    if (check.listed !== 200 || check.listedStatus !== 'active' || listed.body?.id !== jti || !check.active) failures.push(check);
  });
  return failures;
}

/** The jtis of a client's active tokens, as the admin API lists them (all pages). */
export async function listedActiveJtis(url: string, adminToken: string, clientId: string): Promise<Set<string>> {
  const jtis = new Set<string>();
  let cursor: string | null = null;
  do {
    const query: URLSearchParams = new URLSearchParams({ client_id: clientId, status: 'active', limit: '500', ...(cursor ? { cursor } : {}) });
    const page: JsonResponse = await request(`${url}/admin/api/v1/tokens?${query}`, { headers: bearer(adminToken) });
    if (page.status !== 200) throw new Error(`token list failed: ${page.status} ${JSON.stringify(page.body)}`);
    for (const item of page.body.items as { id: string }[]) jtis.add(item.id);
    cursor = page.body.next_cursor;
  } while (cursor);
  return jtis;
}
