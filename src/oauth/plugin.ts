/** The OAuth endpoints of one tenant mount point, with their own error shape (RFC 6749 §5.2). */
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import { resolveTenant } from '../tenancy/resolve-tenant.js';
import { oauthErrorHandler } from './render-error.js';
import { tokenEndpoint } from './endpoints/token.js';
import { introspectionEndpoint } from './endpoints/introspect.js';
import { revocationEndpoint } from './endpoints/revoke.js';
import { jwksEndpoint } from './endpoints/jwks.js';
import { discoveryEndpoints } from './endpoints/discovery.js';
import { registrationEndpoints } from './endpoints/register.js';
import { userinfoEndpoint } from './endpoints/userinfo.js';
import { apiKeyEndpoints } from './endpoints/api-keys.js';
import { allowCrossOrigin } from '../http/cors.js';

export async function oauthPlugin(app: FastifyInstance, { gh }: { gh: Gatehouse }): Promise<void> {
  // CORS first: an unknown tenant's 404 or an unreachable store's 503 must be readable too.
  allowCrossOrigin(app);
  resolveTenant(app, gh.tenants);
  app.setErrorHandler(oauthErrorHandler(gh.log));
  tokenEndpoint(app, gh);
  introspectionEndpoint(app, gh);
  revocationEndpoint(app, gh);
  jwksEndpoint(app, gh);
  discoveryEndpoints(app, gh);
  // RFC 7591 §3.2.2: metadata with text the store cannot keep is refused before the endpoint runs,
  // and answers invalid_client_metadata all the same, as the endpoint's own checks do.
  await app.register(async (registration) => {
    registration.setErrorHandler(oauthErrorHandler(gh.log, 'invalid_client_metadata'));
    registrationEndpoints(registration, gh);
  });
  userinfoEndpoint(app, gh);
  apiKeyEndpoints(app, gh);
}
