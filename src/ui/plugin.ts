/**
 * The browser-facing part of the authorization server: /oauth/authorize, the login page and the
 * consent page ("Grant Access", seed 003). Server-rendered, usable without JavaScript, every form
 * CSRF-protected, every redirect after a form post a 303.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import type { Gatehouse } from '../gatehouse.js';
import type { Client } from '../domain/client.js';
import type { TenantContext } from '../core/tenants.js';
import type { User } from '../core/users.js';
import { nowS } from '../domain/time.js';
import { randomId, randomToken } from '../crypto/random.js';
import { resolveTenant } from '../tenancy/resolve-tenant.js';
import { OAuthError } from '../oauth/errors.js';
import { firstValues, formSource, refuseCredentialsInQuery, singleValued } from '../oauth/params.js';
import {
  forcesSignIn,
  hasPrompt,
  parseAuthorizationRequest,
  RedirectableError,
  redirectTo,
  signedInRequest,
  UnsafeRedirectError,
  type AuthorizationRequest,
} from '../oauth/authorization-request.js';
import { CODE_PREFIX } from '../oauth/grants/authorization-code.js';
import { scopesForUser } from '../oauth/user-tokens.js';
import { isStoreUnavailable } from '../store/errors.js';
import { Csrf, CsrfError } from './csrf.js';
import { Sessions } from './sessions.js';
import { consentPage, errorPage, loginPage, PageError } from './pages.js';
import { originOf } from './html.js';
import { logoutRoutes } from './logout.js';
import { limitPage } from '../ratelimit/guards.js';
import { RateLimitedPage } from '../ratelimit/responses.js';
import { signInEvent, typedAccount } from '../core/sign-in-audit.js';

/** The authorization endpoint, and webMethods API Gateway's (seed 002) and webMethods.io's (seed 003) paths for it. */
const AUTHORIZE_PATHS = ['/oauth/authorize', '/invoke/pub.apigateway.oauth2/authorize', '/integration/rest/oAuth/authorize'];
const REQUEST_LIFETIME_S = 600;
const CODE_LIFETIME_S = 60;

type Pending = { id: string; client: Client; request: AuthorizationRequest };

export async function uiPlugin(app: FastifyInstance, { gh }: { gh: Gatehouse }): Promise<void> {
  await app.register(cookie);
  resolveTenant(app, gh.tenants);
  const csrf = new Csrf(gh.secret);
  const sessions = new Sessions(gh.store, gh.secret);

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof RedirectableError) return reply.code(303).redirect(redirectTo(error.request, request.tenant.issuer, error.oauth.toJSON()), 303);
    if (error instanceof UnsafeRedirectError || error instanceof PageError) return errorPage(reply, error instanceof PageError ? error.status : 400, error.message);
    if (error instanceof CsrfError) return errorPage(reply, 403, error.message);
    if (error instanceof RateLimitedPage) return errorPage(reply.header('retry-after', String(error.retryAfterS)), 429, error.message);
    if (error instanceof OAuthError && error.status < 500) return errorPage(reply, 400, error.description);
    if (isStoreUnavailable(error)) return errorPage(reply, 503, 'The service is temporarily unavailable. Try again in a moment.');
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return errorPage(reply, status, 'The request could not be understood.');
    gh.log.error({ err: error }, 'unexpected error on a sign-in page');
    return errorPage(reply, 500, 'Something went wrong.');
  });

  const base = (tenant: TenantContext) => tenant.basePath;

  async function loadPending(request: FastifyRequest): Promise<Pending> {
    const id = (request.query as { request?: unknown }).request;
    const row = typeof id === 'string' ? await gh.store.sessions.getRequest(id, nowS()) : undefined;
    if (!row || row.tenant_id !== request.tenant.tenant.id) throw new PageError(400, 'This sign-in request has expired or was already completed.');
    const client = await gh.clients.get(row.tenant_id, row.client_id);
    if (!client || !client.active) throw new PageError(400, 'The application is no longer available.');
    return { id: row.id, client, request: JSON.parse(row.params) as AuthorizationRequest };
  }

  async function sessionUser(request: FastifyRequest): Promise<{ user: User; authTime: number } | undefined> {
    const session = await sessions.current(request, request.tenant);
    if (!session) return undefined;
    const user = await gh.store.users.get(session.tenant_id, session.user_id);
    if (!user || user.disabled || Number(session.auth_time) <= user.notBefore) return undefined;
    return { user, authTime: Number(session.auth_time) };
  }

  /** OpenID Connect max_age: a sign-in older than the client accepts counts as none. */
  function recentEnough<T extends { authTime: number }>(signedIn: T | undefined, maxAge: number | undefined): T | undefined {
    return signedIn && maxAge !== undefined && nowS() - signedIn.authTime > maxAge ? undefined : signedIn;
  }

  /** Where a pending request goes next: login, consent, or straight back to the client. */
  async function proceed(request: FastifyRequest, reply: FastifyReply, pending: Pending, justSignedIn?: { user: User; authTime: number }): Promise<FastifyReply> {
    const tenant = request.tenant;
    const signedIn = justSignedIn ?? (forcesSignIn(pending.request) ? undefined : recentEnough(await sessionUser(request), pending.request.maxAge));
    if (!signedIn) {
      if (hasPrompt(pending.request, 'none')) throw new RedirectableError(new OAuthError('login_required', 'the user is not signed in'), pending.request);
      return reply.redirect(`${base(tenant)}/login?request=${encodeURIComponent(pending.id)}`, 303);
    }
    const scopes = scopesForUser(pending.request.scopes, signedIn.user, await gh.scopes.byName(tenant.tenant.id));
    if (pending.request.scopes.length > 0 && scopes.length === 0) {
      await gh.store.sessions.takeRequest(pending.id);
      throw new RedirectableError(new OAuthError('access_denied', 'the user holds none of the roles the requested scopes are restricted to'), pending.request);
    }
    const consent = await gh.store.grants.getConsent(tenant.tenant.id, signedIn.user.id, pending.client.clientId);
    const granted = new Set(consent?.scope ? consent.scope.split(' ') : []);
    if (consent && !hasPrompt(pending.request, 'consent') && scopes.every((scope) => granted.has(scope))) {
      return finish(request, reply, pending, signedIn.user, scopes, signedIn.authTime);
    }
    if (hasPrompt(pending.request, 'none')) throw new RedirectableError(new OAuthError('consent_required', 'the user has not granted these scopes'), pending.request);
    return reply.redirect(`${base(tenant)}/consent?request=${encodeURIComponent(pending.id)}`, 303);
  }

  /** Issues the code (or, for implicit, the token) and sends the browser back to the client. */
  async function finish(request: FastifyRequest, reply: FastifyReply, pending: Pending, user: User, scopes: string[], authTime: number): Promise<FastifyReply> {
    const tenant = request.tenant;
    if (!(await gh.store.sessions.takeRequest(pending.id))) throw new PageError(400, 'This sign-in request was already completed.');
    const { request: req, client } = pending;
    if (req.responseType === 'token') {
      const issued = await gh.accessTokens.issue({ tenant, client, subject: user.id, subjectNotBefore: user.notBefore, scopes, grantType: 'implicit' });
      gh.metrics.tokensIssued.inc({ grant_type: 'implicit' });
      return reply.redirect(redirectTo(req, tenant.issuer, { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: scopes.join(' ') }), 303);
    }
    const code = `${CODE_PREFIX}${randomToken(256)}`;
    const now = nowS();
    await gh.store.grants.insertCode({
      id: gh.userTokens.storageKey(code),
      tenant_id: tenant.tenant.id,
      client_id: client.clientId,
      user_id: user.id,
      redirect_uri: req.redirectUriGiven ? req.redirectUri : '',
      scope: scopes.join(' '),
      code_challenge: req.codeChallenge ?? null,
      nonce: req.nonce ?? null,
      auth_time: authTime,
      family_id: randomId(),
      expires_at: now + CODE_LIFETIME_S,
      used_at: null,
    });
    return reply.redirect(redirectTo(req, tenant.issuer, { code }), 303);
  }

  const authorize = async (request: FastifyRequest, reply: FastifyReply) => {
    const tenant = request.tenant;
    await limitPage(gh, tenant, 'authorize_source', request.ip, request.ip);
    const query = firstValues(request.query, 'query string');
    refuseCredentialsInQuery(query.params);
    const { params, repeated } = request.method === 'POST' ? firstValues(formSource(request, false), 'request body') : query;
    const { client, request: req } = await parseAuthorizationRequest(params, tenant, gh.clients, repeated);
    const id = randomToken(128);
    await gh.store.sessions.insertRequest({ id, tenant_id: tenant.tenant.id, client_id: client.clientId, params: JSON.stringify(req), expires_at: nowS() + REQUEST_LIFETIME_S });
    return proceed(request, reply, { id, client, request: req });
  };
  for (const path of AUTHORIZE_PATHS) {
    app.get(path, authorize);
    app.post(path, authorize);
  }

  logoutRoutes(app, gh, csrf, sessions);

  app.get('/login', async (request, reply) => {
    const pending = await loadPending(request);
    const token = csrf.token(request, reply, request.tenant, pending.id, 'login');
    return loginPage(reply, { action: `${base(request.tenant)}/login?request=${encodeURIComponent(pending.id)}`, csrf: token, clientName: pending.client.clientName, formTargets: [originOf(pending.request.redirectUri)] });
  });

  app.post('/login', async (request, reply) => {
    const tenant = request.tenant;
    const pending = await loadPending(request);
    const body = singleValued(request.body ?? {}, 'form');
    csrf.check(request, tenant, pending.id, 'login', body.csrf);
    const username = body.username ?? '';
    await limitPage(gh, tenant, 'login_source', request.ip, request.ip);
    await limitPage(gh, tenant, 'login_account', typedAccount(username).toLowerCase(), request.ip);
    const user = await gh.users.checkPassword(tenant.tenant, username, body.password ?? '', [`ip:${request.ip}`]);
    await gh.store.audit.append(signInEvent(tenant.tenant.id, user, username, pending.client.clientId, request.ip));
    if (!user) {
      // Unknown user, wrong password and locked account look the same (INTERFACE.md "Brute force").
      const token = csrf.token(request, reply, tenant, pending.id, 'login');
      return loginPage(reply, { action: `${base(tenant)}/login?request=${encodeURIComponent(pending.id)}`, csrf: token, clientName: pending.client.clientName, error: 'The username or password is incorrect.', formTargets: [originOf(pending.request.redirectUri)] }, 401);
    }
    const session = await sessions.start(reply, tenant, user.id);
    // A forced sign-in is done now; the rest of the flow must not ask again.
    const afterSignIn = signedInRequest(pending.request);
    await gh.store.sessions.updateRequest(pending.id, JSON.stringify(afterSignIn));
    return proceed(request, reply, { ...pending, request: afterSignIn }, { user, authTime: Number(session.auth_time) });
  });

  app.get('/consent', async (request, reply) => {
    const tenant = request.tenant;
    const pending = await loadPending(request);
    const signedIn = await sessionUser(request);
    if (!signedIn) return reply.redirect(`${base(tenant)}/login?request=${encodeURIComponent(pending.id)}`, 303);
    const known = await gh.scopes.byName(tenant.tenant.id);
    const scopes = scopesForUser(pending.request.scopes, signedIn.user, known);
    return consentPage(reply, {
      action: `${base(tenant)}/consent?request=${encodeURIComponent(pending.id)}`,
      csrf: csrf.token(request, reply, tenant, pending.id, 'consent'),
      clientName: pending.client.clientName,
      username: signedIn.user.username,
      scopes: scopes.map((name) => ({ name, description: known.get(name)?.description ?? '' })),
      formTargets: [originOf(pending.request.redirectUri)],
    });
  });

  app.post('/consent', async (request, reply) => {
    const tenant = request.tenant;
    const pending = await loadPending(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const { scope: chosen, ...rest } = body;
    const fields = singleValued(rest, 'form');
    csrf.check(request, tenant, pending.id, 'consent', fields.csrf);
    const signedIn = await sessionUser(request);
    if (!signedIn) return reply.redirect(`${base(tenant)}/login?request=${encodeURIComponent(pending.id)}`, 303);
    if (fields.decision === 'deny') {
      await gh.store.sessions.takeRequest(pending.id);
      throw new RedirectableError(new OAuthError('access_denied', 'the user denied access'), pending.request);
    }
    if (fields.decision !== 'allow') throw new PageError(400, 'Choose Grant Access or Deny.');
    const offered = scopesForUser(pending.request.scopes, signedIn.user, await gh.scopes.byName(tenant.tenant.id));
    const selected = (chosen === undefined ? [] : Array.isArray(chosen) ? chosen : [chosen]).filter((s): s is string => typeof s === 'string');
    if (selected.some((scope) => !offered.includes(scope))) throw new PageError(400, 'A scope was selected that the application did not ask for.');
    const scopes = offered.filter((scope) => selected.includes(scope));
    // Granting with every box unticked would hand the client a token for nothing: it is a denial.
    if (offered.length > 0 && scopes.length === 0) {
      await gh.store.sessions.takeRequest(pending.id);
      throw new RedirectableError(new OAuthError('access_denied', 'the user granted none of the requested scopes'), pending.request);
    }
    await gh.store.grants.saveConsent({ tenant_id: tenant.tenant.id, user_id: signedIn.user.id, client_id: pending.client.clientId, scope: scopes.join(' '), created_at: nowS() });
    await gh.store.audit.append({ tenantId: tenant.tenant.id, actor: signedIn.user.id, source: request.ip, action: 'consent.granted', target: `${signedIn.user.id} ${pending.client.clientId}`, detail: { scope: scopes.join(' ') }, createdAt: nowS() });
    return finish(request, reply, pending, signedIn.user, scopes, signedIn.authTime);
  });
}
