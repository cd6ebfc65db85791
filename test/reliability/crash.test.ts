/**
 * Nothing acknowledged is ever lost (DESIGN.md §2.4): `gatehouse serve` runs as a child process
 * under client_credentials load and is killed with SIGKILL while requests are in flight; after a
 * restart on the same database and environment, every token whose 200 response was fully
 * received is listed by the admin API and introspects active. Under mixed load (tokens, refresh
 * chains, revocations of access and refresh tokens) the same holds, every acknowledged
 * revocation stays in force, and no refresh token is lost or yields two successors. A SIGTERM
 * under load drains: exit code 0, every 200 kept, requests in flight answer 200 or fail with a
 * connection error or 503.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from '../helpers/databases.js';
import { clientCredentialsToken } from '../helpers/oauth.js';
import { ADMIN_ID, ADMIN_SECRET, baseEnv, freePort, spawnServer, type ChildServer } from '../helpers/server.js';
import { decodeJwt } from 'jose';
import { listedActiveJtis, tokenLoad, tokensNotKnown, type LoadResult, type Outcome } from '../helpers/load.js';
import { isConnectionError, mixedLoad, prepareWorkload, tally, verifyLedger } from './mixed-load.js';

const CONCURRENCY = 16;
const ROUNDS = 3;
const MIXED_MACHINES = 6;
const MIXED_CHAINS = 6;

function summary(result: LoadResult): string {
  const counts = new Map<string, number>();
  for (const o of result.outcomes) {
    const key = o.kind === 'status' ? `status ${o.status}` : o.kind === 'token' ? 'token' : `${o.kind} ${o.kind === 'connection-error' ? o.code : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return `${result.tokens.length} tokens (${result.tokensAtTrigger} before the signal, ${result.inFlightAtTrigger} requests in flight at it, after ${result.triggeredAfterMs} ms); outcomes ${JSON.stringify(Object.fromEntries(counts))}`;
}

function describeOutcome(o: Outcome): string {
  return JSON.stringify(o.kind === 'token' ? { ...o, token: '…' } : o);
}

/** Waits for a child's exit, failing (and killing it) if it takes longer than `ms`. */
async function exitWithin(child: ChildServer, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const result = await Promise.race([child.exited, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    child.process.kill('SIGKILL');
    throw new Error(`the server did not exit within ${ms} ms:\n${child.output().slice(-2000)}`);
  }
  return result;
}

for (const database of testDatabases()) {
  describe(`crash safety on ${database.name}`, () => {
    const children: ChildServer[] = [];
    /** Tokens taken to warm each started server up; they count as delivered. */
    const warmups: string[] = [];
    async function start(env: Record<string, string>): Promise<ChildServer> {
      const child = await spawnServer(env);
      children.push(child);
      // The first token starts the SQLite group-commit worker, which from source (tsx) takes
      // seconds on a loaded machine: outside the load, so its time bound measures the server.
      warmups.push(await clientCredentialsToken(child.url, ADMIN_ID, ADMIN_SECRET));
      return child;
    }
    async function environment(): Promise<Record<string, string>> {
      // One env for every restart: same database, same GATEHOUSE_SECRET_KEY, same port and issuer.
      const port = await freePort();
      return baseEnv(await database.create(), { PORT: String(port), GATEHOUSE_ISSUER: `http://127.0.0.1:${port}` });
    }

    after(async () => {
      for (const child of children) {
        if (child.process.exitCode === null && child.process.signalCode === null) {
          child.process.kill('SIGKILL');
          await child.exited;
        }
      }
    });

    test(`SIGKILL under load, ${ROUNDS} rounds: every token received survives the restart`, async () => {
      const env = await environment();
      let server = await start(env);
      const earlier: string[] = [];
      const adminTokens: string[] = [];
      let undeliveredBefore = 0;
      for (let round = 1; round <= ROUNDS; round++) {
        const victim = server;
        const t0 = Date.now();
        // Vary the moment of the kill between rounds; the time bound catches a slow machine.
        const result = await tokenLoad(victim.url, {
          concurrency: CONCURRENCY,
          clientId: ADMIN_ID,
          clientSecret: ADMIN_SECRET,
          triggerAtTokens: 200 + Math.floor(Math.random() * 400),
          triggerAtMs: 2000,
          trigger: () => victim.process.kill('SIGKILL'),
        });
        const code = await exitWithin(victim, 10_000);
        assert.equal(code, null, 'the server died of the signal');
        assert.equal(victim.process.signalCode, 'SIGKILL');
        console.log(`# ${database.name} round ${round}: ${summary(result)}`);

        const beforeKill = result.outcomes.filter((o) => o.endedBeforeTrigger && o.kind !== 'token');
        assert.deepEqual(beforeKill.map(describeOutcome), [], 'every request before the kill succeeded');
        const unexpected = result.outcomes.filter((o) => o.kind === 'unexpected-error' || o.kind === 'status');
        assert.deepEqual(unexpected.map(describeOutcome), [], 'after the kill, requests only fail with connection errors');
        assert.ok(result.inFlightAtTrigger > 0, 'the kill happened while requests were in flight');
        assert.ok(result.tokens.length >= 50, `the load produced tokens before the kill (${result.tokens.length})`);

        const t1 = Date.now();
        server = await start(env);
        const t2 = Date.now();
        // This round's tokens one by one (admin GET and introspection); earlier rounds' tokens,
        // which outlived more crashes, through the admin list.
        const adminToken = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
        adminTokens.push(adminToken);
        const missing = await tokensNotKnown(server.url, ADMIN_ID, ADMIN_SECRET, result.tokens, adminToken);
        assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${result.tokens.length} acknowledged tokens were lost or are not active after round ${round}`);
        const listed = await listedActiveJtis(server.url, adminToken, ADMIN_ID);
        const lost = earlier.filter((token) => !listed.has(decodeJwt(token).jti!));
        assert.equal(lost.length, 0, `${lost.length} of ${earlier.length} tokens of earlier rounds are no longer listed as active`);
        // Committed but never answered: allowed after a kill, counted for the record.
        const known = new Set([...earlier, ...result.tokens, ...adminTokens, ...warmups].map((token) => decodeJwt(token).jti!));
        const undelivered = [...listed].filter((jti) => !known.has(jti)).length;
        console.log(`# ${database.name} round ${round}: ${undelivered - undeliveredBefore} tokens committed but never delivered (the kill came between commit and response); load ${t1 - t0} ms, restart ${t2 - t1} ms, checks ${Date.now() - t2} ms`);
        undeliveredBefore = undelivered;
        earlier.push(...result.tokens);
      }
      server.process.kill('SIGKILL');
      await exitWithin(server, 10_000);
    });

    test(`SIGKILL under mixed load (token, refresh, revoke), ${ROUNDS} rounds: no token, refresh token or revocation lost`, async () => {
      const env = await environment();
      let server = await start(env);
      const workload = await prepareWorkload(server.url, await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET), MIXED_CHAINS);
      const earlierLive: string[] = [];
      const earlierRevoked: string[] = [];
      let chainsChecked = 0;
      for (let round = 1; round <= ROUNDS; round++) {
        const victim = server;
        const load = mixedLoad(victim.url, workload, { machines: MIXED_MACHINES, chains: MIXED_CHAINS, stopOnConnectionError: true, revokeRefreshEvery: 10 });
        // Kill at a varying point, once enough has happened (or a slow machine's time bound passes).
        const target = 150 + Math.floor(Math.random() * 250);
        const deadline = Date.now() + 4000;
        while (load.received() < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        load.mark();
        victim.process.kill('SIGKILL');
        await load.done;
        assert.equal(await exitWithin(victim, 10_000), null, 'the server died of the signal');
        const { ledger } = load;
        console.log(`# ${database.name} mixed round ${round}: ${JSON.stringify(tally(ledger.answers))}`);

        const failedBefore = ledger.answers.filter((a) => a.endedBeforeMark && a.status !== 200);
        assert.deepEqual(failedBefore.slice(0, 5), [], 'every request before the kill succeeded');
        const oddAfter = ledger.answers.filter((a) => !a.endedBeforeMark && a.status === undefined && !isConnectionError(a));
        assert.deepEqual(oddAfter.slice(0, 5), [], 'requests cut by the kill fail with connection errors only');
        assert.ok(ledger.answers.some((a) => a.op === 'refresh' && a.status === 200), 'refreshes happened before the kill');
        assert.ok(ledger.revoked.length > 0, 'revocations happened before the kill');

        server = await start(env);
        const adminToken = await clientCredentialsToken(server.url, ADMIN_ID, ADMIN_SECRET);
        const checked = await verifyLedger(server.url, adminToken, ledger, workload);
        // Earlier rounds' promises, after one more crash: still listed active, still revoked.
        const listed = new Set([...(await listedActiveJtis(server.url, adminToken, workload.machine.id)), ...(await listedActiveJtis(server.url, adminToken, workload.app.id))]);
        const lost = earlierLive.filter((token) => !listed.has(decodeJwt(token).jti!));
        assert.equal(lost.length, 0, `${lost.length} of ${earlierLive.length} tokens of earlier rounds are no longer active`);
        const revived = earlierRevoked.filter((token) => listed.has(decodeJwt(token).jti!));
        assert.equal(revived.length, 0, `${revived.length} of ${earlierRevoked.length} revocations of earlier rounds were undone`);
        console.log(`# ${database.name} mixed round ${round}: checked ${checked.live} live tokens, ${checked.revoked} revoked tokens, ${checked.revokedRefresh} revoked refresh tokens, ${checked.chains} refresh chains; ${earlierLive.length + earlierRevoked.length} earlier tokens re-checked`);
        earlierLive.push(...ledger.live);
        earlierRevoked.push(...ledger.revoked);
        chainsChecked += checked.chains;
      }
      assert.ok(chainsChecked > 0, 'some refresh chains outlived a kill and were checked');
      server.process.kill('SIGKILL');
      await exitWithin(server, 10_000);
    });

    test('SIGTERM under load: exit 0, every 200 kept, in-flight requests end in 200, 503 or a connection error', async () => {
      const env = await environment();
      const server = await start(env);
      const result = await tokenLoad(server.url, {
        concurrency: CONCURRENCY,
        clientId: ADMIN_ID,
        clientSecret: ADMIN_SECRET,
        triggerAtTokens: 400 + Math.floor(Math.random() * 300),
        triggerAtMs: 2000,
        trigger: () => server.process.kill('SIGTERM'),
      });
      const code = await exitWithin(server, 30_000);
      console.log(`# ${database.name} SIGTERM: ${summary(result)}`);
      assert.equal(code, 0, `a drained shutdown exits 0:\n${server.output().slice(-2000)}`);
      assert.ok(result.inFlightAtTrigger > 0, 'SIGTERM arrived while requests were in flight');

      const beforeSignal = result.outcomes.filter((o) => o.endedBeforeTrigger && o.kind !== 'token');
      assert.deepEqual(beforeSignal.map(describeOutcome), [], 'every request before SIGTERM succeeded');
      const refused = result.outcomes.filter((o) => o.kind === 'unexpected-error' || (o.kind === 'status' && o.status !== 503));
      assert.deepEqual(refused.map(describeOutcome), [], 'after SIGTERM, only 200, 503 or connection errors (never a 500)');
      const inFlight = result.outcomes.filter((o) => o.startedBeforeTrigger && !o.endedBeforeTrigger);
      assert.equal(inFlight.length, result.inFlightAtTrigger);
      const completed = inFlight.filter((o) => o.kind === 'token').length;
      console.log(`# ${database.name} SIGTERM: of ${inFlight.length} requests in flight, ${completed} completed with 200`);

      const restarted = await start(env);
      const adminToken = await clientCredentialsToken(restarted.url, ADMIN_ID, ADMIN_SECRET);
      const missing = await tokensNotKnown(restarted.url, ADMIN_ID, ADMIN_SECRET, result.tokens, adminToken);
      assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${result.tokens.length} acknowledged tokens were lost or are not active`);
      // A drain answers every request it processed: no token was committed whose response was dropped.
      const known = new Set([...result.tokens, adminToken, ...warmups].map((token) => decodeJwt(token).jti!));
      const undelivered = [...(await listedActiveJtis(restarted.url, adminToken, ADMIN_ID))].filter((jti) => !known.has(jti));
      assert.deepEqual(undelivered, [], 'every token issued before the drained exit reached its client');
    });
  });
}
