/**
 * One side's HTTP settings (token endpoint or API), applied through its own undici dispatcher so
 * that timeouts, trusted CAs, the client certificate and the proxy of one side never leak into
 * the other (seed 000: "separate timeouts and certificate validations").
 */
import { Agent, ProxyAgent, fetch as undiciFetch, type Dispatcher, type Request, type RequestInit, type Response } from 'undici';
import { ConfigurationError, RequestTimeoutError, TransportError, type Target } from './errors.js';

export interface TransportOptions {
  /** Milliseconds to wait for the response headers, and at most between two body chunks. Default 30 000. */
  timeoutMs?: number;
  /** PEM CA certificate(s) to trust instead of Node's bundled roots. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** PEM client certificate and key, for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** false accepts any server certificate. Only for experiments: it defeats TLS. Default true. */
  rejectUnauthorized?: boolean;
  /** Proxy URL (http://user:pass@host:port); TLS settings above then apply to the origin behind it. */
  proxy?: string;
  /** An undici dispatcher of your own; when given, the settings above except timeoutMs are ignored. */
  dispatcher?: Dispatcher;
  /** Headers sent on every request of this side (the ones you pass per request win). */
  headers?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Node's timers hold at most 2^31 − 1 ms (about 24 days); a longer one fires at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
// undici's own timers run with the same limit and may fire first.
const UNDICI_TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export class Transport {
  private readonly dispatcher: Dispatcher;
  private readonly owned: boolean;
  readonly timeoutMs: number;

  constructor(
    readonly target: Target,
    private readonly options: TransportOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0 && this.timeoutMs <= MAX_TIMEOUT_MS)) throw new ConfigurationError(`the ${target} timeout must be between 1 and ${MAX_TIMEOUT_MS} ms (got ${this.timeoutMs})`);
    this.owned = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? createDispatcher(options, this.timeoutMs);
  }

  get headers(): Record<string, string> {
    return this.options.headers ?? {};
  }

  /**
   * Sends the request; resolves once the response headers are in. Our timeout becomes a
   * RequestTimeoutError and a failed connection a TransportError naming this side (and `subject`,
   * what was asked of it, when that is not the side itself); an abort by the caller's own signal
   * is passed through untouched.
   */
  async send(input: string | Request, init: RequestInit = {}, subject?: string): Promise<Response> {
    const timer = new AbortController();
    const handle = setTimeout(() => timer.abort(), this.timeoutMs);
    const callerSignal = init.signal ?? (typeof input === 'string' ? undefined : input.signal);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timer.signal]) : timer.signal;
    const url = typeof input === 'string' ? input : input.url;
    try {
      return await undiciFetch(input, { ...init, signal, dispatcher: this.dispatcher });
    } catch (error) {
      if (callerSignal?.aborted) throw error;
      const code = errorCode(error);
      if (timer.signal.aborted || (code && UNDICI_TIMEOUTS.has(code))) throw new RequestTimeoutError(this.target, url, this.timeoutMs, subject);
      throw new TransportError(this.target, url, code, error, subject);
    } finally {
      clearTimeout(handle);
    }
  }

  async close(): Promise<void> {
    if (this.owned) await this.dispatcher.close();
  }
}

function createDispatcher(options: TransportOptions, timeoutMs: number): Dispatcher {
  const tls = {
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    ...(options.cert !== undefined ? { cert: options.cert } : {}),
    ...(options.key !== undefined ? { key: options.key } : {}),
    ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
    ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
  };
  const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  if (options.proxy) return new ProxyAgent({ uri: options.proxy, requestTls: tls, ...timeouts });
  return new Agent({ connect: { ...tls, timeout: timeoutMs }, ...timeouts });
}

/** The Node/OpenSSL code of a fetch failure (undici wraps it: TypeError('fetch failed', { cause })). */
function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
