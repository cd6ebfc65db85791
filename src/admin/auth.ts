/**
 * Who may call the admin API: a bearer access token with scope `admin` of this tenant, or of the
 * default tenant (whose administrators administer every tenant). Anything else: 401 or 403.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../gatehouse.js';
import type { Actor } from '../domain/actor.js';
import { DEFAULT_TENANT_ID } from '../domain/tenant.js';
import { bearerToken } from '../oauth/bearer.js';
import { bearerError } from '../oauth/errors.js';
import { TokenRejected } from '../oauth/token-verifier.js';
import { Problem } from './problem.js';

export interface AdminIdentity extends Actor {
  /** The tenant whose token this is: the default tenant's admins may act on every tenant. */
  tenantId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    admin: AdminIdentity;
  }
}

const adminRealm = (request: FastifyRequest) => `${request.tenant.issuer}/admin`;

/**
 * A valid admin token that may not act here: 403 with the RFC 6750 §3 challenge, as a token
 * without scope admin gets.
 */
export function notAdminHere(request: FastifyRequest, detail: string): Error {
  return bearerError('insufficient_scope', detail, adminRealm(request));
}

export function requireAdmin(app: FastifyInstance, gh: Gatehouse): void {
  if (!app.hasRequestDecorator('admin')) app.decorateRequest('admin', null as unknown as AdminIdentity);
  // onRequest, before the body is parsed and validated: a caller without a valid token learns
  // nothing of what the API would accept.
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.routeOptions.config && (request.routeOptions.config as { public?: boolean }).public) return;
    const tenant = request.tenant;
    const realm = adminRealm(request);
    const token = bearerToken(request, realm, tenant.tenant.settings.compat.oauth_scheme);
    if (!token) throw new Problem(401, 'Unauthorized', 'a bearer token with scope admin is required', undefined, { 'www-authenticate': `Bearer realm="${realm}"` });
    let verified;
    try {
      verified = await gh.tokenVerifier.verify(token, tenant, { anyTenant: true });
    } catch (error) {
      if (error instanceof TokenRejected) throw bearerError('invalid_token', error.message, realm);
      throw error;
    }
    if (!verified.scopes.includes('admin')) throw bearerError('insufficient_scope', 'the token lacks scope admin', realm, 'admin');
    if (verified.tenantId !== tenant.tenant.id && verified.tenantId !== DEFAULT_TENANT_ID) {
      throw notAdminHere(request, 'this token administers another tenant');
    }
    request.admin = { id: verified.claims.sub, source: request.ip, tenantId: verified.tenantId };
  });
}
