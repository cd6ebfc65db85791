/**
 * The Gatehouse console: sign in through the authorization server, then administer this tenant
 * through its admin API. The layout (header, navigation, live regions) is built once; pages
 * replace the main region.
 */
import './styles.css';
import { completeSignIn, currentSession, forgetSession, signIn, signOut, SignInError } from './auth.js';
import { config, isDefaultTenant } from './config.js';
import { button, h, replaceChildren } from './dom.js';
import { currentRoute, routeHash } from './router.js';
import { alertRegion, fail, onSessionEnded, statusRegion } from './ui/notice.js';
import { clientsPage } from './pages/clients.js';
import { scopesPage } from './pages/scopes.js';
import { tokensPage } from './pages/tokens.js';
import { usersPage } from './pages/users.js';
import { apiKeysPage } from './pages/api-keys.js';
import { servicesPage } from './pages/services.js';
import { keysPage } from './pages/keys.js';
import { tenantsPage } from './pages/tenants.js';
import { auditPage } from './pages/audit.js';
import { settingsPage } from './pages/settings.js';

type PageView = (main: HTMLElement, params: URLSearchParams) => void;

const PAGES: { name: string; label: string; view: PageView; defaultTenantOnly?: boolean }[] = [
  { name: 'clients', label: 'Clients', view: clientsPage },
  { name: 'scopes', label: 'Scopes', view: scopesPage },
  { name: 'tokens', label: 'Tokens', view: tokensPage },
  { name: 'users', label: 'Users', view: usersPage },
  { name: 'api-keys', label: 'API keys', view: apiKeysPage },
  { name: 'services', label: 'Services', view: servicesPage },
  { name: 'keys', label: 'Signing keys', view: keysPage },
  { name: 'tenants', label: 'Tenants', view: tenantsPage, defaultTenantOnly: true },
  { name: 'audit', label: 'Audit log', view: auditPage },
  { name: 'settings', label: 'Settings', view: settingsPage },
];

const root = document.getElementById('app')!;
const tenantLabel = isDefaultTenant() ? 'default tenant' : `tenant ${config.tenant}`;

function signInScreen(message?: string): void {
  document.title = 'Sign in · Gatehouse console';
  const start = button('Sign in', () => void signIn(routeHash(), message !== undefined), { class: 'primary' });
  replaceChildren(
    root,
    h(
      'main',
      { class: 'sign-in', id: 'main' },
      h('h1', {}, 'Gatehouse console'),
      h('p', {}, `Administer the ${tenantLabel} at ${config.issuer}. Sign in with an account that has the admin role.`),
      message ? h('p', { class: 'notice notice-error', role: 'alert' }, message) : null,
      start,
    ),
  );
  start.focus();
}

function shell(): void {
  const session = currentSession()!;
  const pages = PAGES.filter((p) => !p.defaultTenantOnly || isDefaultTenant());
  const main = h('main', { id: 'main', tabindex: -1 });
  const links = pages.map((p) => h('a', { href: `#/${p.name}` }, p.label));
  const nav = h('nav', { id: 'nav', 'aria-label': 'Console' }, h('ul', {}, links.map((link) => h('li', {}, link))));
  const menu = button('Menu', () => {
    const open = menu.getAttribute('aria-expanded') !== 'true';
    menu.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('open', open);
  }, { class: 'menu-button', 'aria-controls': 'nav', 'aria-expanded': 'false' });
  // Choosing the page already shown changes no hash: the menu must fold away all the same.
  nav.addEventListener('click', (event) => {
    if (!(event.target instanceof Element) || !event.target.closest('a')) return;
    nav.classList.remove('open');
    menu.setAttribute('aria-expanded', 'false');
  });
  const signOutButton = button('Sign out', () => void signOut());

  replaceChildren(
    root,
    h('a', { href: '#main', class: 'skip-link' }, 'Skip to content'),
    h(
      'header',
      {},
      h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'G'), h('span', {}, 'Gatehouse'), h('span', { class: 'badge' }, tenantLabel)),
      menu,
      h('div', { class: 'user' }, h('span', {}, session.username), signOutButton),
    ),
    h('div', { class: 'layout' }, nav, h('div', { class: 'content' }, statusRegion, alertRegion, main)),
  );

  const show = () => {
    const route = currentRoute();
    const page = pages.find((p) => p.name === route.name) ?? pages[0]!;
    for (const link of links) {
      if (link.getAttribute('href') === `#/${page.name}`) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    nav.classList.remove('open');
    menu.setAttribute('aria-expanded', 'false');
    statusRegion.textContent = '';
    alertRegion.textContent = '';
    page.view(main, route.params);
  };
  window.addEventListener('hashchange', show);
  show();
}

// A refused token (expired, or its signing key withdrawn) is dropped, so nothing sends it again.
onSessionEnded(() => {
  forgetSession();
  signInScreen('Your session has ended. Sign in again to continue.');
});

async function start(): Promise<void> {
  // Reached by another name than the issuer's (127.0.0.1 for localhost): sign-in state and the
  // API live at the issuer's origin, so continue there.
  if (location.origin !== new URL(config.issuer).origin) {
    location.replace(`${config.redirectUri}${location.hash}`);
    return;
  }
  try {
    const route = await completeSignIn();
    if (route) location.hash = route;
  } catch (error) {
    return signInScreen(error instanceof SignInError ? error.message : 'Signing in failed.');
  }
  if (currentSession()) shell();
  else signInScreen();
}

start().catch(fail);
