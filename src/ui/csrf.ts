/**
 * CSRF protection of the login and consent forms: a random cookie (SameSite=Lax, HttpOnly) and a
 * form token that is a keyed hash of that cookie, the authorization request and the form's
 * purpose. A forged cross-site post has neither the cookie nor a matching token.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerSecret } from '../crypto/server-secret.js';
import { randomToken } from '../crypto/random.js';
import type { TenantContext } from '../core/tenants.js';
import { cookieName, cookieOptions } from './cookies.js';

export class CsrfError extends Error {}

export class Csrf {
  constructor(private readonly secret: ServerSecret) {}

  /** The form token for this browser, creating the cookie on first use. */
  token(request: FastifyRequest, reply: FastifyReply, tenant: TenantContext, requestId: string, purpose: string): string {
    const name = cookieName('csrf', tenant);
    let cookie = request.cookies[name];
    if (!cookie || cookie.length < 43) {
      cookie = randomToken(256);
      reply.setCookie(name, cookie, cookieOptions(tenant));
      request.cookies[name] = cookie;
    }
    return this.secret.hash(`${cookie}|${requestId}|${purpose}`);
  }

  check(request: FastifyRequest, tenant: TenantContext, requestId: string, purpose: string, token: string | undefined): void {
    const cookie = request.cookies[cookieName('csrf', tenant)];
    if (!cookie || !token || !this.secret.verify(`${cookie}|${requestId}|${purpose}`, token).ok) {
      throw new CsrfError('the form expired or was not sent from this site; go back and try again');
    }
  }
}
