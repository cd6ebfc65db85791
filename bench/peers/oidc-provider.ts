// Peer target: panva's oidc-provider (v9) serving the client_credentials grant
// with its default in-memory adapter and one confidential client
// (client_secret_basic). Launched as its own process by bench/lib/peer-process.ts.
//
// Env: PORT (required), TOKEN_FORMAT=jwt|opaque, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET.
//
//   jwt    — RFC 9068 JWT access tokens signed ES256 for a default resource
//            server (Resource Indicators feature); nothing is stored.
//   opaque — the plain default: no resource server configured, so the token is
//            an opaque handle whose payload is saved in the in-memory adapter.
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type Configuration } from 'oidc-provider';

import { LOOPBACK } from '../lib/ports.js';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('PORT must be set to a port number');
const format = process.env.TOKEN_FORMAT ?? 'jwt';
if (format !== 'jwt' && format !== 'opaque') throw new Error(`TOKEN_FORMAT must be jwt or opaque, got ${format}`);
const clientId = process.env.BENCH_CLIENT_ID ?? 'bench-client';
const clientSecret = process.env.BENCH_CLIENT_SECRET;
if (!clientSecret) throw new Error('BENCH_CLIENT_SECRET must be set');

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
      scope: '',
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
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  // No RSA key is configured, so the default RS256 id_token alg would be unusable.
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  cookies: { keys: [clientSecret] },
  // Same lifetime as the other targets (the JWT mode's accessTokenTTL wins
  // there); also replaces the default TTL function, which logs a NOTICE.
  ttl: { ClientCredentials: 3600 },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    ...(format === 'jwt' ? { resourceIndicators: { enabled: true, ...jwtAccessTokens } } : {}),
  },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (_ctx, err) => {
  console.error('server_error', err);
});
provider.listen(port, LOOPBACK, () => {
  console.log(`oidc-provider (${format}) listening on ${issuer}`);
});
