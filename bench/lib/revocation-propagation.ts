// How long a revocation made on one node takes to be enforced by another
// node's gateway. For each token: obtain it from node A, check that node B's
// gateway lets it through, revoke it through node A, then ask node B's gateway
// again every few milliseconds until it answers 401. One token at a time, so
// every figure is one revocation's own delay, not a queue's.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'undici';

import type { LoadRequest } from './load.js';
import { requestToken } from './oauth.js';

export interface PropagationOptions {
  count: number;
  /** Issues one access token (node A's token endpoint). */
  tokenRequest: LoadRequest;
  /** The RFC 7009 revocation request for a token (to node A). */
  revocationRequest(accessToken: string): LoadRequest;
  /** Node B's gateway, and the path to request there with the token. */
  gatewayUrl: string;
  probePath: string;
  /** Time between the starts of two polls. */
  pollIntervalMs: number;
  /** A revocation not enforced after this long counts as a timeout. */
  pollTimeoutMs: number;
  /** Stop after this many timeouts in a row: propagation is broken, waiting out the rest would tell nothing more. */
  maxConsecutiveTimeouts: number;
  onProgress?(done: number): void;
}

export interface PropagationResult {
  /** Milliseconds from the arrival of node A's revoke response (t0) to node B's first 401; one per enforced revocation. */
  fromResponseMs: number[];
  /** The same, from sending the revoke request (t_send). */
  fromSendMs: number[];
  /** Node A's revoke round trip (t0 − t_send). */
  revokeMs: number[];
  /** Polls of node B up to and including the first 401 (1: refused at the first look after t0). */
  polls: number[];
  /** Revocations node B still accepted after pollTimeoutMs. */
  timeouts: number;
  /** Answers of node B other than 200 and 401 while polling, by status. */
  unexpected: Record<string, number>;
  /** Set when the run stopped before `count` revocations. */
  stoppedEarly?: string;
}

export async function measurePropagation(options: PropagationOptions): Promise<PropagationResult> {
  const result: PropagationResult = { fromResponseMs: [], fromSendMs: [], revokeMs: [], polls: [], timeouts: 0, unexpected: {} };
  // One kept-alive connection to node B: a poll costs one loopback round trip, no handshake.
  const gateway = new Client(options.gatewayUrl, { pipelining: 1 });
  const gatewayStatus = async (token: string): Promise<{ status: number; body: string }> => {
    const response = await gateway.request({ method: 'GET', path: options.probePath, headers: { authorization: `Bearer ${token}` }, headersTimeout: 10_000, bodyTimeout: 10_000 });
    return { status: response.statusCode, body: await response.body.text() };
  };

  let consecutiveTimeouts = 0;
  try {
    for (let done = 0; done < options.count; done++) {
      const token = (await requestToken(options.tokenRequest)).access_token;
      const before = await gatewayStatus(token);
      if (before.status !== 200) throw new Error(`node B's gateway refused a fresh token before any revocation: HTTP ${before.status} ${before.body.slice(0, 300)}`);

      const tSend = performance.now();
      await revoke(options.revocationRequest(token));
      const t0 = performance.now();

      const enforcedAt = await pollUntilRefused(token, t0);
      if (enforcedAt === undefined) {
        result.timeouts++;
        consecutiveTimeouts++;
        if (consecutiveTimeouts >= options.maxConsecutiveTimeouts) {
          result.stoppedEarly = `${consecutiveTimeouts} revocations in a row were not enforced by node B within ${options.pollTimeoutMs} ms`;
          break;
        }
      } else {
        consecutiveTimeouts = 0;
        result.fromResponseMs.push(enforcedAt.at - t0);
        result.fromSendMs.push(enforcedAt.at - tSend);
        result.revokeMs.push(t0 - tSend);
        result.polls.push(enforcedAt.polls);
      }
      options.onProgress?.(done + 1);
    }
  } finally {
    await gateway.close();
  }
  return result;

  /** When node B first answered 401 (the response's arrival), or undefined after the timeout. */
  async function pollUntilRefused(token: string, t0: number): Promise<{ at: number; polls: number } | undefined> {
    for (let polls = 1; ; polls++) {
      const sentAt = performance.now();
      const { status } = await gatewayStatus(token);
      const at = performance.now();
      if (status === 401) return { at, polls };
      if (status !== 200) result.unexpected[status] = (result.unexpected[status] ?? 0) + 1;
      if (at - t0 >= options.pollTimeoutMs) return undefined;
      const wait = options.pollIntervalMs - (performance.now() - sentAt);
      if (wait > 0) await sleep(wait);
    }
  }
}

/** RFC 7009 answers 200 whether or not anything was revoked; the polling shows whether it was. */
async function revoke(request: LoadRequest): Promise<void> {
  const response = await fetch(request.url, { method: request.method ?? 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`revocation: ${request.url}: expected 200, got ${response.status} ${text.slice(0, 300)}`);
}
