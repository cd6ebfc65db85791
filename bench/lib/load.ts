// Generic closed-loop HTTP load: a thin promise wrapper around autocannon so
// every benchmark drives its targets with the same tool and reports the same
// figures. The load generator runs in this process; servers under test must run
// in their own processes (see child.ts) so they do not share an event loop.
import autocannon from 'autocannon';
import type { HttpMethod, RequestSpec, Result } from 'autocannon';

import { percentile, sum } from './stats.js';

export type { HttpMethod };

/** One HTTP request, replayed verbatim by every connection. */
export interface LoadRequest {
  url: string;
  method?: HttpMethod;
  headers?: Readonly<Record<string, string>>;
  body?: string;
}

/**
 * Requests whose body changes from one request to the next, for credentials that work once
 * (rotating refresh tokens) or to spread load over several users. Shared by all connections.
 */
export interface DynamicBody {
  /** The body of the next request, called just before it is sent. */
  next(): string;
  /** Sees every complete response before its connection sends again, e.g. to put a successor token into circulation. */
  onResponse?(status: number, body: string): void;
}

export interface LoadOptions extends LoadRequest {
  /** When set, replaces `body` with a fresh body per request. */
  dynamicBody?: DynamicBody;
  /** When set, each request's path, body and some headers: load spread over several endpoints (e.g. one per tenant). */
  spread?: () => DynamicRequest;
  durationS: number;
  connections: number;
  /** Requests in flight per connection; 1 (the default) is the realistic case for OAuth clients. */
  pipelining?: number;
  /** Per-request timeout in seconds; a timeout counts as an error. */
  timeoutS?: number;
  /** Stops the run early (e.g. on SIGINT); the partial result is still returned. */
  signal?: AbortSignal;
  /**
   * Also keep every 2xx response time at full resolution (`LoadResult.fine`): autocannon's own
   * histogram counts whole milliseconds, too coarse to compare sub-millisecond overheads.
   * Costs one number per response in this process.
   */
  fineLatency?: boolean;
}

/** A request that replaces the path, body and some headers of the one replayed. */
export interface DynamicRequest {
  path: string;
  body: string;
  headers?: Readonly<Record<string, string>>;
}

/** 2xx response times at full resolution, in milliseconds. */
export interface FineLatency {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  samples: number;
}

export interface LoadResult {
  /** Completed responses (any status) per second of wall time. */
  rps: number;
  /** Latency percentiles and mean, in milliseconds. */
  p50: number;
  p99: number;
  meanMs: number;
  /** Completed responses, any status. */
  completed: number;
  non2xx: number;
  /** Connection errors and timeouts (no HTTP response at all). */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationS: number;
  /** Only with `fineLatency`. */
  fine?: FineLatency;
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise((resolve, reject) => {
    const fineTimes: number[] | undefined = options.fineLatency ? [] : undefined;
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? 'GET',
        // autocannon mutates nothing here, but copy so callers may pass frozen objects.
        headers: { ...options.headers },
        ...(options.body === undefined ? {} : { body: options.body }),
        ...(options.dynamicBody === undefined ? {} : { requests: [dynamicRequest(options.dynamicBody)] }),
        ...(options.spread === undefined ? {} : { requests: [spreadRequest(options.spread)] }),
        connections: options.connections,
        pipelining: options.pipelining ?? 1,
        duration: options.durationS,
        timeout: options.timeoutS ?? 10,
      },
      (err, result) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(summarise(result, fineTimes));
      },
    );
    if (fineTimes !== undefined) {
      // Emitted for every response with the unrounded time, before autocannon's histogram rounds it.
      instance.on('response', (_client: unknown, statusCode: number | string, _bytes: number, responseTimeMs: number) => {
        const status = Number(statusCode);
        if (status >= 200 && status < 300) fineTimes.push(responseTimeMs);
      });
    }
    const onAbort = (): void => instance.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function dynamicRequest(dynamic: DynamicBody): RequestSpec {
  return {
    setupRequest: (request) => ({ ...request, body: dynamic.next() }),
    ...(dynamic.onResponse === undefined ? {} : { onResponse: (status: number, body: string) => dynamic.onResponse?.(status, body) }),
  };
}

function spreadRequest(next: () => DynamicRequest): RequestSpec {
  return {
    setupRequest: (request) => {
      const { path, body, headers } = next();
      return { ...request, path, body, headers: { ...request.headers, ...headers } };
    },
  };
}

function summarise(result: Result, fineTimes: readonly number[] | undefined): LoadResult {
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;

  // requests.total counts completed responses; dividing by the measured
  // duration avoids the per-second sampling granularity of requests.average.
  const durationS = result.duration > 0 ? result.duration : 1;
  return {
    rps: result.requests.total / durationS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    meanMs: result.latency.mean,
    completed: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    durationS: result.duration,
    ...(fineTimes === undefined ? {} : { fine: fineLatency(fineTimes) }),
  };
}

function fineLatency(times: readonly number[]): FineLatency {
  return {
    p50: percentile(times, 0.5),
    p90: percentile(times, 0.9),
    p99: percentile(times, 0.99),
    mean: times.length === 0 ? Number.NaN : sum(times) / times.length,
    samples: times.length,
  };
}
