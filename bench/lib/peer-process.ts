// Launchers for the peer servers in bench/peers/, each in its own process.
import { startChildServer, tsxArgs, type ChildServer } from './child.js';
import { clientCredentialsRequest, randomSecret, type ClientCredentials } from './oauth.js';
import { REPO_ROOT } from './paths.js';
import { freePort, LOOPBACK } from './ports.js';
import type { RunningTarget } from './target.js';

export type OidcProviderTokenFormat = 'jwt' | 'opaque';

export async function startOidcProvider(format: OidcProviderTokenFormat): Promise<RunningTarget> {
  const credentials: ClientCredentials = { clientId: 'bench-client', clientSecret: randomSecret() };
  return startPeer({
    name: `oidc-provider-${format}`,
    script: 'bench/peers/oidc-provider.ts',
    env: {
      TOKEN_FORMAT: format,
      BENCH_CLIENT_ID: credentials.clientId,
      BENCH_CLIENT_SECRET: credentials.clientSecret,
    },
    readyPath: '/.well-known/openid-configuration',
    tokenPath: '/token',
    credentials,
  });
}

/** oidc-provider serving single-use refresh tokens (see bench/peers/oidc-provider.ts, BENCH_GRANT=refresh_token). */
export interface OidcProviderRefreshPeer {
  baseUrl: string;
  tokenUrl: string;
  credentials: ClientCredentials;
  command: string;
  server: ChildServer;
  /** Refresh tokens minted in the peer process, each from its own grant. */
  mintRefreshTokens(count: number): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startOidcProviderRefresh(): Promise<OidcProviderRefreshPeer> {
  const credentials: ClientCredentials = { clientId: 'bench-client', clientSecret: randomSecret() };
  const peer = await startPeer({
    name: 'oidc-provider-refresh',
    script: 'bench/peers/oidc-provider.ts',
    env: {
      TOKEN_FORMAT: 'jwt',
      BENCH_GRANT: 'refresh_token',
      BENCH_CLIENT_ID: credentials.clientId,
      BENCH_CLIENT_SECRET: credentials.clientSecret,
    },
    readyPath: '/.well-known/openid-configuration',
    tokenPath: '/token',
    credentials,
  });
  return {
    baseUrl: peer.baseUrl,
    tokenUrl: `${peer.baseUrl}/token`,
    credentials,
    command: peer.command,
    server: peer.server,
    async mintRefreshTokens(count) {
      const tokens: string[] = [];
      // In batches, so one request never holds the peer for long.
      while (tokens.length < count) {
        const batch = Math.min(500, count - tokens.length);
        const response = await fetch(`${peer.baseUrl}/bench/refresh-tokens?count=${batch}`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
        const text = await response.text();
        if (response.status !== 200) throw new Error(`oidc-provider: minting refresh tokens: HTTP ${response.status} ${text.slice(0, 300)}`);
        tokens.push(...(JSON.parse(text) as string[]));
      }
      return tokens;
    },
    stop: () => peer.stop(),
  };
}

export async function startBareJose(): Promise<RunningTarget> {
  // No client authentication happens there, but sending the same Authorization
  // header keeps the request bytes identical to the other targets.
  const credentials: ClientCredentials = { clientId: 'bench-client', clientSecret: randomSecret() };
  return startPeer({
    name: 'bare-jose',
    script: 'bench/peers/bare-jose.ts',
    env: {},
    readyPath: '/readyz',
    tokenPath: '/token',
    credentials,
  });
}

/** A peer server in its own process, by its base URL. */
export interface PeerServer {
  baseUrl: string;
  command: string;
  server: ChildServer;
  stop(): Promise<void>;
}

/** The upstream behind the gateway benchmark (bench/peers/upstream.ts): a small JSON body for every request. */
export function startUpstream(): Promise<PeerServer> {
  return startPeerProcess({ name: 'upstream', script: 'bench/peers/upstream.ts', env: {}, readyPath: '/readyz' });
}

/** The gateway's proxy without auth (bench/peers/noauth-proxy.ts), forwarding everything to `upstream`. */
export function startNoAuthProxy(upstream: string): Promise<PeerServer> {
  return startPeerProcess({ name: 'noauth-proxy', script: 'bench/peers/noauth-proxy.ts', env: { UPSTREAM: upstream }, readyPath: '/readyz' });
}

interface PeerProcessSpec {
  name: string;
  script: string;
  env: Record<string, string>;
  readyPath: string;
}

/** A token endpoint peer, driven with client_credentials requests. */
interface PeerSpec extends PeerProcessSpec {
  tokenPath: string;
  credentials: ClientCredentials;
}

async function startPeer(spec: PeerSpec): Promise<RunningTarget & { baseUrl: string }> {
  const peer = await startPeerProcess(spec);
  return { ...peer, request: clientCredentialsRequest(`${peer.baseUrl}${spec.tokenPath}`, spec.credentials) };
}

async function startPeerProcess(spec: PeerProcessSpec): Promise<PeerServer> {
  const port = await freePort();
  const baseUrl = `http://${LOOPBACK}:${port}`;
  const args = tsxArgs(spec.script);
  const server = await startChildServer({
    name: spec.name,
    args,
    cwd: REPO_ROOT,
    env: { ...spec.env, PORT: String(port) },
    readyUrl: `${baseUrl}${spec.readyPath}`,
    readyTimeoutMs: 30_000,
  });
  return {
    baseUrl,
    command: `node ${args.join(' ')}`,
    server,
    stop: () => server.stop(),
  };
}
