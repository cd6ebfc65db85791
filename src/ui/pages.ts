/**
 * The login, consent and error pages. Field names are part of the interface (INTERFACE.md "Pages
 * that programs also drive"): username, password; one checkbox `scope` per scope; a button
 * `decision` valued allow or deny; the CSRF token as a hidden input.
 */
import type { FastifyReply } from 'fastify';
import { escapeHtml as e, sendPage } from './html.js';

export interface LoginPage {
  action: string;
  csrf: string;
  clientName: string;
  username?: string;
  error?: string;
  /**
   * Origins the form may end up at besides this server: a successful sign-in whose scopes are
   * already consented to is redirected straight to the client, and browsers apply form-action
   * to the redirects that follow a form post.
   */
  formTargets: string[];
}

export function loginPage(reply: FastifyReply, page: LoginPage, status = 200): FastifyReply {
  return sendPage(
    reply,
    status,
    'Sign in',
    `<h1>Sign in</h1><p class="muted">to continue to <strong>${e(page.clientName)}</strong></p>
${page.error ? `<p class="error" role="alert">${e(page.error)}</p>` : ''}
<form method="post" action="${e(page.action)}">
<input type="hidden" name="csrf" value="${e(page.csrf)}">
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required value="${e(page.username ?? '')}" autofocus>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
    page.formTargets,
  );
}

export interface ConsentPage {
  action: string;
  csrf: string;
  clientName: string;
  username: string;
  scopes: { name: string; description: string }[];
  formTargets: string[];
}

export function consentPage(reply: FastifyReply, page: ConsentPage): FastifyReply {
  const items = page.scopes
    .map(
      (scope, i) =>
        `<li><input type="checkbox" id="scope-${i}" name="scope" value="${e(scope.name)}" checked> <label for="scope-${i}">${e(scope.name)}</label><span class="desc">${e(scope.description)}</span></li>`,
    )
    .join('');
  return sendPage(
    reply,
    200,
    'Grant access',
    `<h1>Grant access</h1><p><strong>${e(page.clientName)}</strong> asks for access to your account <strong>${e(page.username)}</strong>.</p>
<form method="post" action="${e(page.action)}">
<input type="hidden" name="csrf" value="${e(page.csrf)}">
${page.scopes.length ? `<p class="muted">Untick what you do not want to share:</p><ul class="scopes">${items}</ul>` : '<p class="muted">No scopes are requested.</p>'}
<button type="submit" name="decision" value="allow">Grant Access</button><button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
    page.formTargets,
  );
}

/** A request a sign-in page cannot go on with: shown as an error page, never sent back to the client. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface LogoutPage {
  action: string;
  csrf: string;
  username: string;
  /** Sent back with the confirmation: where to go afterwards. */
  carried: Record<string, string>;
  formTargets: string[];
}

export function logoutPage(reply: FastifyReply, page: LogoutPage): FastifyReply {
  const hidden = Object.entries(page.carried)
    .map(([name, value]) => `<input type="hidden" name="${e(name)}" value="${e(value)}">`)
    .join('');
  return sendPage(
    reply,
    200,
    'Sign out',
    `<h1>Sign out</h1><p>Sign <strong>${e(page.username)}</strong> out of every application that uses this sign-in?</p>
<form method="post" action="${e(page.action)}">
<input type="hidden" name="csrf" value="${e(page.csrf)}">${hidden}
<button type="submit" name="decision" value="logout">Sign out</button>
</form>`,
    page.formTargets,
  );
}

export function signedOutPage(reply: FastifyReply): FastifyReply {
  return sendPage(reply, 200, 'Signed out', '<h1>Signed out</h1><p>You are signed out. You can close this window.</p>');
}

export function errorPage(reply: FastifyReply, status: number, message: string): FastifyReply {
  return sendPage(reply, status, 'Cannot continue', `<h1>Cannot continue</h1><p class="error" role="alert">${e(message)}</p><p class="muted">Return to the application and try again.</p>`);
}
