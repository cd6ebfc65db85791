/**
 * Forwarding to upstreams with undici: request and response bodies stream through, hop-by-hop
 * headers are dropped (RFC 9110 §7.6.1), the caller's credentials stay here unless the service
 * asks for them, and Gatehouse's identity headers are set by us only. Failures are classified in
 * upstream-failure.ts: timeouts answer 504 and connection failures 502, as problem JSON.
 */
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import type { Expectations } from './expect.js';
import type { Service } from './services.js';
import { upstreamFailure } from './upstream-failure.js';

// Forward()'s callers catch what it throws.
export { UpstreamError } from './upstream-failure.js';

/** Not copied either way: hop-by-hop, framing that undici redoes, and Expect, which the gateway meets itself (expect.ts). */
const NOT_COPIED = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect']);
/** The gateway's own header namespace: a caller's headers in it never reach an upstream, which may trust them as the gateway's. */
const GATEWAY_HEADER_PREFIX = 'x-gatehouse-';

export interface Identity {
  clientId: string;
  subject: string;
  scope: string;
}

/** The header names listed in a Connection header. */
function connectionOptions(value: string | string[] | undefined): Set<string> {
  const list = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(list.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean));
}

function forwardedHeaders(request: FastifyRequest, service: Service, identity: Identity): Record<string, string | string[]> {
  const named = connectionOptions(request.headers.connection);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || NOT_COPIED.has(name) || named.has(name) || name.startsWith(GATEWAY_HEADER_PREFIX)) continue;
    if (name === 'authorization' && !service.passToken) continue;
    headers[name] = value;
  }
  const length = request.headers['content-length'];
  if (length !== undefined) headers['content-length'] = length;
  headers['x-gatehouse-client-id'] = identity.clientId;
  headers['x-gatehouse-subject'] = identity.subject;
  headers['x-gatehouse-scope'] = identity.scope;
  const prior = request.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${prior}, ${request.ip}` : request.ip;
  headers['x-forwarded-proto'] = request.protocol;
  if (request.headers.host) headers['x-forwarded-host'] = request.headers.host;
  return headers;
}

/**
 * The error without what undici attaches to it (a parser error carries the upstream's bytes), not
 * under `err`, whose serializer would log all of it. Its code goes as `errorCode`: the logger
 * redacts every `*.code`, meant for authorization codes.
 */
function describe(error: unknown): { type: string; errorCode?: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  return { type: error.name, errorCode: (error as { code?: string }).code, message: error.message, stack: error.stack };
}

interface Upstream {
  pool: Pool;
  /** The upstream URL's path, without a trailing slash: requests' paths go after it. */
  basePath: string;
}

export class Proxy {
  /** One pool per origin, shared by the services there. */
  private readonly pools = new Map<string, Pool>();
  /** Per upstream URL, parsed once: not on every request. */
  private readonly upstreams = new Map<string, Upstream>();

  constructor(
    private readonly log: FastifyBaseLogger,
    private readonly expectations: Expectations,
  ) {}

  private upstream(url: string): Upstream {
    let upstream = this.upstreams.get(url);
    if (!upstream) {
      const parsed = new URL(url);
      let pool = this.pools.get(parsed.origin);
      if (!pool) this.pools.set(parsed.origin, (pool = new Pool(parsed.origin, { connections: 128, pipelining: 1 })));
      this.upstreams.set(url, (upstream = { pool, basePath: parsed.pathname.replace(/\/$/, '') }));
    }
    return upstream;
  }

  /** `onAnswer` sees the reply with the upstream's status, just before it is sent. */
  async forward(request: FastifyRequest, reply: FastifyReply, service: Service, path: string, search: string, identity: Identity, onAnswer?: (reply: FastifyReply) => void): Promise<FastifyReply> {
    const upstream = this.upstream(service.upstream);
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    this.expectations.continue(request.raw, reply.raw);
    let response: Dispatcher.ResponseData<unknown>;
    try {
      response = await upstream.pool.request({
        method: request.method as Dispatcher.HttpMethod,
        path: `${upstream.basePath}${path}${search}`,
        headers: forwardedHeaders(request, service, identity),
        body: hasBody ? ((request.body as Readable | undefined) ?? null) : null,
        headersTimeout: service.timeoutMs,
        bodyTimeout: service.timeoutMs,
      });
    } catch (error) {
      const failure = upstreamFailure(error, service.name, service.timeoutMs);
      // A caller that hung up mid-upload fails the forward too: nobody to answer, no defect.
      const callerLeft = request.raw.destroyed && !request.raw.complete;
      // The query string and the headers may carry secrets: neither is logged.
      if (failure.unexpected && !callerLeft) this.log.error({ service: service.name, method: request.method, path, error: describe(error) }, failure.message);
      throw failure;
    }
    reply.code(response.statusCode);
    // Headers the upstream's Connection header names are hop-by-hop too (RFC 9110 §7.6.1).
    const named = connectionOptions(response.headers.connection);
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined && !NOT_COPIED.has(name) && !named.has(name)) reply.header(name, value);
    }
    // A body the upstream framed by length keeps its length (undici delivers exactly that many
    // bytes): the client learns the size, and the body goes out as is rather than in chunks. A
    // 204 has no body and must not say a length (RFC 9110 §8.6).
    const length = response.headers['content-length'];
    if (typeof length === 'string' && response.statusCode !== 204 && response.headers['transfer-encoding'] === undefined && !named.has('content-length')) reply.header('content-length', length);
    onAnswer?.(reply);
    return reply.send(response.body);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }
}
