/**
 * OpenID Connect RP-Initiated Logout 1.0 at /oauth/logout (the metadata's end_session_endpoint):
 * ends the browser's sign-in session, so the next sign-in asks for the password again.
 *
 * A sign-out nobody asked for is a nuisance other sites could cause with a link: without a
 * verifiable id_token_hint naming the signed-in user, the user confirms on a page whose form is
 * CSRF-bound like the login form. The browser goes back to the client only to a
 * post_logout_redirect_uri that active client registered: one of its post_logout_redirect_uris
 * (§3.1), or of its redirect URIs (the spec's "another mechanism"), with the client's `state`;
 * any other address gets an error page, never a redirect.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Gatehouse } from '../gatehouse.js';
import type { TenantContext } from '../core/tenants.js';
import { nowS } from '../domain/time.js';
import { singleValued, type Params } from '../oauth/params.js';
import { withQuery } from '../oauth/authorization-request.js';
import type { Csrf } from './csrf.js';
import type { Sessions } from './sessions.js';
import { originOf } from './html.js';
import { logoutPage, PageError, signedOutPage } from './pages.js';

const LOGOUT_PATH = '/oauth/logout';
/** The confirmation form is the same for every sign-out of a browser: its token binds it to the browser only. */
const CONFIRMATION = 'logout';

interface Hint {
  subject: string;
  clientId: string;
}

/**
 * The user and client an id_token_hint names, if this tenant signed it for a client that is still
 * active. An expired ID token is a fine hint (the spec expects them). One that cannot be verified
 * (signed by a key since retired, or not ours at all) counts as no hint: the user confirms.
 */
async function hinted(gh: Gatehouse, tenant: TenantContext, idToken: string): Promise<Hint | undefined> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      idToken,
      async (header) => {
        const key = header.kid ? await gh.keys.publicKey(tenant.tenant.id, header.kid) : undefined;
        if (!key) throw new Error('unknown signing key');
        return key;
      },
      { typ: 'JWT', issuer: tenant.issuer, algorithms: ['ES256'], requiredClaims: ['sub', 'aud'] },
    ));
  } catch (error) {
    if (!(error instanceof joseErrors.JWTExpired)) return undefined;
    payload = error.payload;
  }
  const audience = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
  if (typeof payload.sub !== 'string' || typeof audience !== 'string') return undefined;
  const client = await gh.clients.get(tenant.tenant.id, audience);
  return client?.active ? { subject: payload.sub, clientId: audience } : undefined;
}

/** Where to send the browser afterwards, if the request named a place an active client registered. */
async function returnAddress(gh: Gatehouse, tenant: TenantContext, params: Params, hint: Hint | undefined): Promise<string | undefined> {
  if (params.client_id !== undefined && hint && hint.clientId !== params.client_id) throw new PageError(400, 'client_id is not the client the id_token_hint was issued to.');
  const uri = params.post_logout_redirect_uri;
  if (uri === undefined) return undefined;
  const clientId = params.client_id ?? hint?.clientId;
  // No client to vouch for it (no client_id, and a hint that could not be verified): the user
  // signs out all the same, and stays here.
  if (clientId === undefined) return undefined;
  const client = await gh.clients.get(tenant.tenant.id, clientId);
  // A deactivated client's addresses are no longer trusted: it may have been deactivated for losing them.
  const registered = client ? [...client.postLogoutRedirectUris, ...client.redirectUris] : [];
  if (!client?.active || !registered.includes(uri)) throw new PageError(400, 'post_logout_redirect_uri is not one the application registered (post_logout_redirect_uris or redirect_uris).');
  return params.state === undefined ? uri : withQuery(uri, new URLSearchParams({ state: params.state }));
}

export function logoutRoutes(app: FastifyInstance, gh: Gatehouse, csrf: Csrf, sessions: Sessions): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const tenant = request.tenant;
    const fromForm = request.method === 'POST';
    const params = singleValued(fromForm ? (request.body ?? {}) : request.query, fromForm ? 'form' : 'query string');
    const hint = params.id_token_hint === undefined ? undefined : await hinted(gh, tenant, params.id_token_hint);
    const returnTo = await returnAddress(gh, tenant, params, hint);
    const session = await sessions.current(request, tenant);
    if (session) {
      const confirmed = fromForm && params.decision === 'logout';
      if (confirmed) csrf.check(request, tenant, CONFIRMATION, CONFIRMATION, params.csrf);
      if (!confirmed && hint?.subject !== session.user_id) {
        const user = await gh.store.users.get(tenant.tenant.id, session.user_id);
        // Where to go afterwards, only if a client vouched for it.
        const carried: Record<string, string> = {};
        if (returnTo) {
          for (const name of ['client_id', 'post_logout_redirect_uri', 'state']) if (params[name] !== undefined) carried[name] = params[name]!;
          carried.client_id ??= hint!.clientId;
        }
        return logoutPage(reply, {
          action: `${tenant.basePath}${LOGOUT_PATH}`,
          csrf: csrf.token(request, reply, tenant, CONFIRMATION, CONFIRMATION),
          username: user?.username ?? 'this account',
          carried,
          formTargets: returnTo ? [originOf(returnTo)] : [],
        });
      }
      await sessions.end(reply, tenant, session);
      await gh.store.audit.append({ tenantId: tenant.tenant.id, actor: session.user_id, source: request.ip, action: 'session.ended', target: session.user_id, detail: hint ? { client_id: hint.clientId } : {}, createdAt: nowS() });
    }
    return returnTo ? reply.redirect(returnTo, 303) : signedOutPage(reply);
  };
  app.get(LOGOUT_PATH, handler);
  app.post(LOGOUT_PATH, handler);
}
