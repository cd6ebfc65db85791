// Generic closed-loop HTTP load: a thin promise wrapper around autocannon so
// every benchmark drives its targets with the same tool and reports the same
// figures. The load generator runs in this process; servers under test must run
// in their own processes (see child.ts) so they do not share an event loop.
import autocannon from 'autocannon';
import type { HttpMethod, Result } from 'autocannon';

export type { HttpMethod };

/** One HTTP request, replayed verbatim by every connection. */
export interface LoadRequest {
  url: string;
  method?: HttpMethod;
  headers?: Readonly<Record<string, string>>;
  body?: string;
}

export interface LoadOptions extends LoadRequest {
  durationS: number;
  connections: number;
  /** Requests in flight per connection; 1 (the default) is the realistic case for OAuth clients. */
  pipelining?: number;
  /** Per-request timeout in seconds; a timeout counts as an error. */
  timeoutS?: number;
  /** Stops the run early (e.g. on SIGINT); the partial result is still returned. */
  signal?: AbortSignal;
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
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? 'GET',
        // autocannon mutates nothing here, but copy so callers may pass frozen objects.
        headers: { ...options.headers },
        ...(options.body === undefined ? {} : { body: options.body }),
        connections: options.connections,
        pipelining: options.pipelining ?? 1,
        duration: options.durationS,
        timeout: options.timeoutS ?? 10,
      },
      (err, result) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(summarise(result));
      },
    );
    const onAbort = (): void => instance.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function summarise(result: Result): LoadResult {
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
  };
}
