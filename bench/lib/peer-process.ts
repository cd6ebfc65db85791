// Launchers for the peer servers in bench/peers/, each in its own process.
import { startChildServer, tsxArgs } from './child.js';
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

interface PeerSpec {
  name: string;
  script: string;
  env: Record<string, string>;
  readyPath: string;
  tokenPath: string;
  credentials: ClientCredentials;
}

async function startPeer(spec: PeerSpec): Promise<RunningTarget> {
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
    request: clientCredentialsRequest(`${baseUrl}${spec.tokenPath}`, spec.credentials),
    command: `node ${args.join(' ')}`,
    server,
    stop: () => server.stop(),
  };
}
