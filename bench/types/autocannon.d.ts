// Minimal typings for the part of autocannon 8 the benchmarks use. The package
// ships no types and @types/autocannon is not a dependency; keep this to what
// bench/lib/load.ts actually touches rather than mirroring the whole API.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

  /** One entry of `requests`; merged over the top-level method/headers/body. */
  interface RequestSpec {
    method?: HttpMethod;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    /** Called before each send of this request (per connection); returns what to send. */
    setupRequest?: (request: RequestSpec & { headers: Record<string, string> }, context: Record<string, unknown>) => RequestSpec | null | undefined;
    /** Called with each complete response, before the connection's next request is set up. */
    onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string | string[]>) => void;
  }

  interface Options {
    url: string;
    method?: HttpMethod;
    headers?: Record<string, string>;
    body?: string | Buffer;
    connections?: number;
    pipelining?: number;
    /** Seconds. */
    duration?: number;
    /** Seconds before a request counts as timed out. */
    timeout?: number;
    /** Abort the run after this many errors. */
    bailout?: number;
    /** Requests each connection sends in turn, instead of one fixed request. */
    requests?: RequestSpec[];
  }

  /** Latency figures are in milliseconds. */
  interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    total?: number;
    p50: number;
    p90: number;
    p99: number;
    p99_9: number;
  }

  interface Result {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    resets: number;
    '2xx': number;
    statusCodeStats: Record<string, { count: number }>;
    latency: Histogram;
    requests: Histogram & { total: number; sent: number };
  }

  interface Instance extends EventEmitter {
    stop(): void;
  }

  function autocannon(options: Options, callback: (err: Error | null, result: Result) => void): Instance;

  export default autocannon;
  export type { HttpMethod, Instance, Options, RequestSpec, Result };
}
