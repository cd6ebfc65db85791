/** The tenant's settings: PKCE, allowed grants, redirect URI policy, lockout, rate limits, compatibility options. */
import { api } from '../api.js';
import { h } from '../dom.js';
import { buildForm, onSubmit, type Field } from '../ui/form.js';
import { fail, notify } from '../ui/notice.js';
import { renderPage } from '../ui/page.js';

const GRANTS = ['authorization_code', 'implicit', 'client_credentials', 'password', 'refresh_token'];
const perMinute = (name: string, label: string): Field => ({ kind: 'number', name: `rate_limits.${name}`, label, min: 0, hint: 'Requests per minute; 0 = no limit.' });

const FIELDS: Field[] = [
  { kind: 'checkbox', name: 'require_pkce', label: 'Require PKCE (clients may opt out only if confidential)' },
  {
    kind: 'checkboxes',
    name: 'allowed_grants',
    label: 'Allowed grants',
    hint: 'client_credentials cannot be turned off: the tenant’s admin clients sign in with it. Limit other clients through their own grants.',
    options: GRANTS.map((g) => ({ label: g, value: g })),
  },
  { kind: 'checkbox', name: 'allow_insecure_redirect_uris', label: 'Allow http redirect URIs on non-loopback hosts' },
  { kind: 'number', name: 'refresh_token_grace_s', label: 'Refresh retry grace (seconds)', min: 0, max: 300, hint: 'Confidential clients; 0 = off.' },
  { kind: 'checkbox', name: 'api_keys_enabled', label: 'API key authentication types' },
  { kind: 'words', name: 'api_key_auth_types', label: 'API key authentication type names', hint: 'Sent as authentication_type_name; separated by spaces or commas.' },
  { kind: 'number', name: 'lockout.max_failures', label: 'Lockout: failures before waiting', min: 1 },
  { kind: 'number', name: 'lockout.wait_increment_s', label: 'Lockout: wait increment (seconds)', min: 0 },
  { kind: 'number', name: 'lockout.max_wait_s', label: 'Lockout: longest wait (seconds)', min: 0 },
  { kind: 'number', name: 'lockout.reset_after_s', label: 'Lockout: forget failures after (seconds)', min: 1 },
  perMinute('token_per_client_per_min', 'Token requests per client'),
  perMinute('introspect_per_client_per_min', 'Introspections per client'),
  perMinute('authorize_per_source_per_min', 'Authorization requests per address'),
  perMinute('login_per_account_per_min', 'Sign-ins per account'),
  perMinute('login_per_source_per_min', 'Sign-ins per address'),
  { kind: 'checkbox', name: 'compat.oauth_scheme', label: 'Compatibility: Authorization: OAuth <token>' },
  { kind: 'checkbox', name: 'compat.json_token_body', label: 'Compatibility: JSON token request bodies' },
  { kind: 'checkbox', name: 'compat.query_refresh', label: 'Compatibility: refresh token in the query string' },
  { kind: 'checkbox', name: 'compat.gam', label: 'Compatibility: GAM responses and FullControl' },
];

export function settingsPage(main: HTMLElement): void {
  const holder = h('div');
  renderPage(main, 'Settings', [], holder);
  api
    .get<Record<string, unknown>>('/settings')
    .then((settings) => {
      const form = buildForm(FIELDS, settings);
      const save = h('button', { type: 'submit', class: 'primary' }, 'Save settings');
      const element = h('form', { novalidate: true, class: 'settings' }, form.element, h('div', { class: 'actions' }, save));
      onSubmit(element, form, save, async (values) => {
        await api.patch('/settings', values);
        notify('Settings saved.');
      });
      holder.replaceChildren(element);
    })
    .catch(fail);
}
