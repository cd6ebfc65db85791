// Peer target: panva's oidc-provider (v9) serving the client_credentials grant
// with its default in-memory adapter and one confidential client
// (client_secret_basic). Launched as its own process by bench/lib/peer-process.ts.
//
// Env: PORT (required), TOKEN_FORMAT=jwt|opaque, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET,
//      BENCH_GRANT=client_credentials (default)|refresh_token.
//
//   jwt    — RFC 9068 JWT access tokens signed ES256 for a default resource
//            server (Resource Indicators feature); nothing is stored.
//   opaque — the plain default: no resource server configured, so the token is
//            an opaque handle whose payload is saved in the in-memory adapter.
//
// BENCH_GRANT=refresh_token also serves the refresh grant the way Gatehouse does
// it: every refresh token is single-use (rotateRefreshToken: true, so each
// refresh consumes the token and saves a successor), and the response carries a
// JWT access token, the successor and an ID token (scope openid). The refresh
// tokens to start from are minted in this process, with oidc-provider's own
// Grant and RefreshToken models (what its authorization-code exchange saves),
// and handed out by POST /bench/refresh-tokens?count=N (loopback only; no
// interaction to drive, so the minting costs nothing that is measured).
// The store is oidc-provider's own in-memory adapter, but with room for every
// token: its default LRU holds 1,000 entries and under refresh load drops
// grants and unused refresh tokens (answered as invalid_grant), which would
// turn figures into error counts.
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type Configuration } from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

import { LOOPBACK } from '../lib/ports.js';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set to a port number');
const format = process.env.TOKEN_FORMAT ?? 'jwt';
if (format !== 'jwt' && format !== 'opaque') throw new Error(`TOKEN_FORMAT must be jwt or opaque, got ${format}`);
const clientId = process.env.BENCH_CLIENT_ID ?? 'bench-client';
const clientSecret = process.env.BENCH_CLIENT_SECRET;
if (!clientSecret) throw new Error('BENCH_CLIENT_SECRET must be set');
const grantMode = process.env.BENCH_GRANT ?? 'client_credentials';
if (grantMode !== 'client_credentials' && grantMode !== 'refresh_token') throw new Error(`BENCH_GRANT must be client_credentials or refresh_token, got ${grantMode}`);
const refreshMode = grantMode === 'refresh_token';
if (refreshMode && format !== 'jwt') throw new Error('BENCH_GRANT=refresh_token needs TOKEN_FORMAT=jwt (Gatehouse issues JWT access tokens)');
/** What a refresh token is granted in refresh mode: an ID token, and an access token for the resource. */
const REFRESH_SCOPE = 'openid offline_access api:read';
const RESOURCE_SCOPE = 'api:read';

const issuer = `http://${LOOPBACK}:${port}`;
// Resource indicators must be absolute URIs; this one is never dereferenced.
const resource = 'https://api.bench.invalid/';

// One EC P-256 signing key. Supplying jwks also silences oidc-provider's
// "using development-only keys" warning in the opaque mode, where it is unused.
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), kid: 'bench-es256', alg: 'ES256', use: 'sig' };

const jwtAccessTokens = {
  // Without a defaultResource the client_credentials grant issues no resource
  // server and therefore always an opaque token; the request body stays just
  // grant_type=client_credentials, like for every other target.
  defaultResource: async () => resource,
  getResourceServerInfo: async (_ctx: unknown, resourceIndicator: string) => {
    if (resourceIndicator !== resource) throw new errors.InvalidTarget();
    return {
      scope: refreshMode ? RESOURCE_SCOPE : '',
      audience: resource,
      accessTokenTTL: 3600,
      accessTokenFormat: 'jwt',
      // Must name ES256 explicitly: the JWT format otherwise falls back to the
      // client's id_token_signed_response_alg (RS256), for which there is no key.
      jwt: { sign: { alg: 'ES256' } },
    };
  },
  useGrantedResource: async () => true,
};

const configuration: Configuration = {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    ...(refreshMode
      ? { grant_types: ['client_credentials', 'authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: ['https://rp.bench.invalid/cb'] }
      : { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }),
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  // No RSA key is configured, so the default RS256 id_token alg would be unusable.
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  cookies: { keys: [clientSecret] },
  // Same lifetime as the other targets (the JWT mode's accessTokenTTL wins
  // there); also replaces the default TTL function, which logs a NOTICE.
  ttl: {
    ClientCredentials: 3600,
    ...(refreshMode ? { AccessToken: 3600, IdToken: 3600, RefreshToken: 14 * 24 * 3600, Grant: 14 * 24 * 3600 } : {}),
  },
  ...(refreshMode
    ? {
      adapter: adapterWithRoom(),
      // Single-use refresh tokens, as Gatehouse's (RFC 9700 §4.14); the default rotates only for public clients.
      rotateRefreshToken: true,
      scopes: ['openid', 'offline_access', RESOURCE_SCOPE],
      // Every account exists and has no claims beyond sub (no account store to consult).
      findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    }
    : {}),
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    ...(format === 'jwt' ? { resourceIndicators: { enabled: true, ...jwtAccessTokens } } : {}),
  },
};

/** oidc-provider's MemoryAdapter on one shared store large enough never to evict during a run. */
function adapterWithRoom(): (model: string) => unknown {
  const store = new LRU({ maxSize: 50_000_000 });
  return (model: string) => new MemoryAdapter(model, store);
}

const provider = new Provider(issuer, configuration);
provider.on('server_error', (_ctx, err) => {
  console.error('server_error', err);
});
if (refreshMode) {
  provider.use(async (ctx, next) => {
    if (ctx.path !== '/bench/refresh-tokens' || ctx.method !== 'POST') return next();
    const count = Math.min(100_000, Math.max(1, Number(ctx.query.count ?? 1) || 1));
    const client = await provider.Client.find(clientId);
    if (client === undefined) throw new Error(`client ${clientId} not found`);
    const authTime = Math.floor(Date.now() / 1000);
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      // One grant (user × client) per token, like one sign-in each; the token is what
      // oidc-provider's authorization_code exchange would have saved for it.
      const accountId = `bench-user-${i % 8}`;
      const grant = new provider.Grant({ accountId, clientId });
      grant.addOIDCScope('openid offline_access');
      grant.addResourceScope(resource, RESOURCE_SCOPE);
      const grantId = await grant.save();
      const token = new provider.RefreshToken({ accountId, client, grantId, gty: 'authorization_code', scope: REFRESH_SCOPE, resource, authTime });
      tokens.push(await token.save());
    }
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(tokens);
    return undefined;
  });
}

provider.listen(port, LOOPBACK, () => {
  console.log(`oidc-provider (${format}, ${grantMode}) listening on ${issuer}`);
});
