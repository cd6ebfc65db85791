/**
 * Mixed load for reliability tests: client_credentials tokens, refresh-token chains, and
 * revocations of both, run in concurrent loops against one server while something is done to it
 * (kill -9, the database stopped). A ledger keeps what the clients were told — tokens fully
 * received, revocations acknowledged, each chain's newest refresh token — so that afterwards
 * `verifyLedger` can check the server's state against every promise it made.
 */
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { ADMIN_ID, ADMIN_SECRET } from '../helpers/server.js';
import { basic, bearer, form, json, request } from '../helpers/oauth.js';
import { forEachConcurrent, tokensNotKnown } from '../helpers/load.js';

export interface Credentials {
  id: string;
  secret: string;
}

export interface Workload {
  machine: Credentials;
  app: Credentials;
  users: { username: string; password: string }[];
}

/**
 * In the default tenant: a scope, a client_credentials client, a confidential password client
 * with refresh tokens and one user per chain. The refresh grace period is on: it is what lets a
 * client whose refresh response was lost (the server died after the commit) retry and get the
 * same successor instead of losing the chain (RFC 9700 §4.14.2).
 */
export async function prepareWorkload(url: string, adminToken: string, chains: number): Promise<Workload> {
  const admin = (path: string, method: string, body: unknown) => request(`${url}/admin/api/v1${path}`, json(method, body, bearer(adminToken)));
  const scope = await admin('/scopes', 'POST', { name: 'things', description: 'Things', services: ['/things/**'] });
  assert.equal(scope.status, 201, JSON.stringify(scope.body));
  const settings = await admin('/settings', 'PATCH', { refresh_token_grace_s: 300 });
  assert.equal(settings.status, 200, JSON.stringify(settings.body));
  // The chains sign in again and again as one user each; per-account sign-in limits are not under test here.
  if ('rate_limits' in settings.body) assert.equal((await admin('/settings', 'PATCH', { rate_limits: { login_per_account_per_min: 0, login_per_source_per_min: 0 } })).status, 200);
  const machine = await admin('/clients', 'POST', { client_name: 'machine', grant_types: ['client_credentials'], response_types: [], scope: 'things' });
  assert.equal(machine.status, 201, JSON.stringify(machine.body));
  const app = await admin('/clients', 'POST', { client_name: 'app', grant_types: ['password', 'refresh_token'], response_types: [], scope: 'things', refresh_token_limit: 1_000_000 });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  const users = Array.from({ length: chains }, (_, i) => ({ username: `user${i}`, password: `password-of-user-${i}` }));
  for (const user of users) assert.equal((await admin('/users', 'POST', user)).status, 201);
  return { machine: { id: machine.body.client_id, secret: machine.body.client_secret }, app: { id: app.body.client_id, secret: app.body.client_secret }, users };
}

export type Operation = 'client_credentials' | 'password' | 'refresh' | 'revoke' | 'revoke_refresh';

/** How one request ended: an HTTP status (body read to its end), or an error code without an answer. */
export interface Answer {
  op: Operation;
  status: number | undefined;
  body: string;
  error: string | undefined;
  /** Whether the request began / ended before `LoadRun.mark()` (the kill, the outage). */
  startedBeforeMark: boolean;
  endedBeforeMark: boolean;
}

interface Chain {
  user: { username: string; password: string };
  /** The newest refresh token this chain received, if any. */
  refreshToken: string | undefined;
  /** Access tokens of the chain's current grant: revoking the refresh token revokes them too. */
  accessTokens: string[];
}

export interface Ledger {
  answers: Answer[];
  /** Every access token fully received and not handed to a revocation since: must be active. */
  live: Set<string>;
  /** Access tokens whose revocation was acknowledged (200): must stay inactive. */
  revoked: string[];
  /** Refresh tokens whose revocation was acknowledged: must stay refused. */
  revokedRefresh: string[];
  chains: Chain[];
}

export interface LoadRun {
  ledger: Ledger;
  /** Records the moment of the event under test; answers are classified against it. */
  mark(): void;
  /** Stops the loops and resolves once every request has ended. */
  stop(): Promise<void>;
  /** Resolves when every loop ended on its own (stopOnConnectionError). */
  done: Promise<void>;
  /** Access tokens received so far. */
  received(): number;
}

const CONNECTION_ERRORS = /UND_ERR_SOCKET|UND_ERR_CLOSED|ECONNRESET|ECONNREFUSED|EPIPE|ECONNABORTED|other side closed/;

function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown };
    parts.push(`${typeof e.code === 'string' ? e.code : ''} ${typeof e.message === 'string' ? e.message : ''}`.trim());
    current = e.cause;
  }
  return parts.join(' <- ');
}

export function isConnectionError(answer: Answer): boolean {
  return answer.error !== undefined && CONNECTION_ERRORS.test(answer.error);
}

export interface LoadOptions {
  /** Loops of each kind. */
  machines: number;
  chains: number;
  /** After a connection error, a loop ends (the server is gone); otherwise it carries on. */
  stopOnConnectionError: boolean;
  /** A chain revokes its refresh token, and starts over, once in this many refreshes. */
  revokeRefreshEvery?: number;
}

/** Starts the loops; they run until `stop()` (or, with stopOnConnectionError, until the server is gone). */
export function mixedLoad(url: string, workload: Workload, options: LoadOptions): LoadRun {
  const ledger: Ledger = { answers: [], live: new Set(), revoked: [], revokedRefresh: [], chains: workload.users.slice(0, options.chains).map((user) => ({ user, refreshToken: undefined, accessTokens: [] })) };
  let marked = false;
  let stopped = false;
  let received = 0;

  const send = async (op: Operation, path: string, params: Record<string, string>, client: Credentials): Promise<{ status: number; body: any } | undefined> => {
    const startedBeforeMark = !marked;
    let answer: Answer;
    let parsed: { status: number; body: any } | undefined;
    try {
      const response = await fetch(`${url}${path}`, form(params, { authorization: basic(client.id, client.secret) }));
      const text = await response.text();
      let body: any = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON
      }
      parsed = { status: response.status, body };
      answer = { op, status: response.status, body: text.slice(0, 300), error: undefined, startedBeforeMark, endedBeforeMark: !marked };
    } catch (error) {
      answer = { op, status: undefined, body: '', error: errorText(error), startedBeforeMark, endedBeforeMark: !marked };
    }
    ledger.answers.push(answer);
    if (answer.error && options.stopOnConnectionError) throw new StopLoop();
    return parsed;
  };

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const machineLoop = async (index: number) => {
    for (let n = 0; !stopped; n++) {
      const issued = await send('client_credentials', '/oauth/token', { grant_type: 'client_credentials' }, workload.machine);
      if (issued?.status !== 200) {
        await pause(20);
        continue;
      }
      const token = issued.body.access_token as string;
      received++;
      // Every other machine revokes every third token it gets.
      if (index % 2 === 1 && n % 3 === 0) {
        // Without a 200 (no answer, or a 503 whose commit may still have happened) the token's
        // state is unknown: it goes in neither list.
        const revoked = await send('revoke', '/oauth/revoke', { token }, workload.machine);
        if (revoked?.status === 200) ledger.revoked.push(token);
      } else ledger.live.add(token);
    }
  };

  const chainLoop = async (chain: Chain) => {
    for (let n = 1; !stopped; n++) {
      if (!chain.refreshToken) {
        const signedIn = await send('password', '/oauth/token', { grant_type: 'password', username: chain.user.username, password: chain.user.password }, workload.app);
        if (signedIn?.status === 200) {
          chain.refreshToken = signedIn.body.refresh_token;
          chain.accessTokens = [signedIn.body.access_token];
          ledger.live.add(signedIn.body.access_token);
          received++;
        } else await pause(20);
        continue;
      }
      if (options.revokeRefreshEvery && n % options.revokeRefreshEvery === 0) {
        const refreshToken = chain.refreshToken;
        // From here on the grant's state is unknown until the revocation is acknowledged.
        for (const token of chain.accessTokens) ledger.live.delete(token);
        const family = chain.accessTokens;
        chain.refreshToken = undefined;
        chain.accessTokens = [];
        const revoked = await send('revoke_refresh', '/oauth/revoke', { token: refreshToken }, workload.app);
        if (revoked?.status === 200) {
          ledger.revokedRefresh.push(refreshToken);
          ledger.revoked.push(...family);
        }
        continue;
      }
      const refreshed = await send('refresh', '/oauth/token', { grant_type: 'refresh_token', refresh_token: chain.refreshToken }, workload.app);
      if (refreshed?.status === 200) {
        chain.refreshToken = refreshed.body.refresh_token;
        chain.accessTokens.push(refreshed.body.access_token);
        ledger.live.add(refreshed.body.access_token);
        received++;
      } else await pause(20);
    }
  };

  const guard = (loop: () => Promise<void>) =>
    loop().catch((error: unknown) => {
      if (!(error instanceof StopLoop)) throw error;
    });
  const done = Promise.all([
    ...Array.from({ length: options.machines }, (_, i) => guard(() => machineLoop(i))),
    ...ledger.chains.map((chain) => guard(() => chainLoop(chain))),
  ]).then(() => undefined);
  return {
    ledger,
    done,
    mark: () => void (marked = true),
    received: () => received,
    async stop() {
      stopped = true;
      await done;
    },
  };
}

class StopLoop extends Error {}

async function introspect(url: string, token: string): Promise<boolean> {
  const response = await request(`${url}/oauth/introspect`, form({ token }, { authorization: basic(ADMIN_ID, ADMIN_SECRET) }));
  assert.equal(response.status, 200, `introspection answered ${response.status}`);
  return response.body.active === true;
}

export interface LedgerCheck {
  live: number;
  revoked: number;
  revokedRefresh: number;
  chains: number;
}

/**
 * The server keeps every promise in the ledger: received tokens active (listed and introspected),
 * acknowledged revocations still in force, and each chain's newest refresh token usable exactly
 * once — presented twice it yields the same successor (the grace period), never a second one —
 * and that successor refreshes again.
 */
export async function verifyLedger(url: string, adminToken: string, ledger: Ledger, workload: Workload): Promise<LedgerCheck> {
  const live = [...ledger.live];
  const missing = await tokensNotKnown(url, ADMIN_ID, ADMIN_SECRET, live, adminToken);
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${live.length} received tokens were lost or are not active`);

  const undone: string[] = [];
  await forEachConcurrent(ledger.revoked, 8, async (token) => {
    if (await introspect(url, token)) undone.push(decodeJwt(token).jti!);
  });
  assert.deepEqual(undone, [], `${undone.length} of ${ledger.revoked.length} acknowledged revocations were undone`);

  const refresh = (refreshToken: string) => request(`${url}/oauth/token`, form({ grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: basic(workload.app.id, workload.app.secret) }));
  await forEachConcurrent(ledger.revokedRefresh, 4, async (refreshToken) => {
    const response = await refresh(refreshToken);
    assert.equal(response.status, 400, `a revoked refresh token was accepted: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.error, 'invalid_grant');
  });

  const chains = ledger.chains.filter((chain) => chain.refreshToken !== undefined);
  await forEachConcurrent(chains, 4, async (chain) => {
    const first = await refresh(chain.refreshToken!);
    assert.equal(first.status, 200, `a chain's newest refresh token was lost: ${JSON.stringify(first.body)}`);
    const again = await refresh(chain.refreshToken!);
    assert.equal(again.status, 200, `the retry within the grace period failed: ${JSON.stringify(again.body)}`);
    assert.equal(again.body.refresh_token, first.body.refresh_token, 'a refresh token yielded two different successors');
    const next = await refresh(first.body.refresh_token);
    assert.equal(next.status, 200, `the successor does not refresh: ${JSON.stringify(next.body)}`);
  });
  return { live: live.length, revoked: ledger.revoked.length, revokedRefresh: ledger.revokedRefresh.length, chains: chains.length };
}

/** Answers grouped for a log line: `{"client_credentials 200": 812, "refresh ECONNREFUSED": 3, ...}`. */
export function tally(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = `${a.op} ${a.status ?? (CONNECTION_ERRORS.exec(a.error ?? '')?.[0] ?? 'error')}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
