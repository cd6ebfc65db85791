/**
 * Client Registration (seed 003): every field of the client metadata, the secret shown once,
 * Associate OAuth Scopes, the Status slider (deactivation refuses every token at once), a new
 * secret (the old one optionally valid a while longer), delete with confirmation (its tokens go with it).
 */
import { api, all, segment } from '../api.js';
import { button, formatTime, h } from '../dom.js';
import { formDialog } from '../ui/dialog.js';
import type { Field } from '../ui/form.js';
import { pagedTable } from '../ui/list.js';
import { guard, notify } from '../ui/notice.js';
import { renderPage, tags } from '../ui/page.js';
import { deleteDialog, type Resource } from '../ui/resource.js';
import { shownOnce } from '../ui/secret.js';
import { config } from '../config.js';
import type { Scope } from './scopes.js';

export interface Client {
  client_id: string;
  client_name: string;
  client_version: string;
  description: string | null;
  client_type: 'confidential' | 'public';
  token_endpoint_auth_method: string;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  scope: string;
  access_token_lifetime: number | null;
  refresh_token_limit: number | null;
  require_pkce: boolean | null;
  active: boolean;
  api_key_enabled: boolean;
  api_key_timeout_hours: number;
  api_key_allowed_auth_type: string | null;
  api_key_scope_customization: boolean;
  /** Confidential clients only; 0 = the secret does not expire. */
  client_secret_expires_at?: number;
  client_secret?: string;
}

interface IssuedSecret {
  client_secret: string;
  client_secret_expires_at: number;
  previous_secret_expires_at: number | null;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

const GRANTS = ['authorization_code', 'client_credentials', 'password', 'refresh_token', 'implicit'];
const option = (value: string) => ({ label: value, value });

function clientFields(editing: boolean): Field[] {
  return [
    { kind: 'text', name: 'client_name', label: 'Name', required: !editing, readonly: editing, hint: editing ? 'The name and version cannot change.' : 'Name and version together are unique (not case-sensitive).' },
    { kind: 'text', name: 'client_version', label: 'Version', readonly: editing, placeholder: '1' },
    { kind: 'textarea', name: 'description', label: 'Description' },
    {
      kind: 'select',
      name: 'token_endpoint_auth_method',
      label: 'Type',
      hint: 'Confidential clients get a secret; public clients (browser and mobile apps) cannot keep one.',
      options: [
        { label: 'Confidential (secret in the Authorization header)', value: 'client_secret_basic' },
        { label: 'Confidential (secret in the request body)', value: 'client_secret_post' },
        { label: 'Public (no secret)', value: 'none' },
      ],
    },
    { kind: 'lines', name: 'redirect_uris', label: 'Redirection URLs', hint: 'One per line; needed for the authorization code and implicit grants.' },
    { kind: 'checkboxes', name: 'grant_types', label: 'Allowed grants', options: GRANTS.map(option) },
    { kind: 'checkboxes', name: 'response_types', label: 'Response types', hint: 'code for the authorization code grant, token for implicit.', options: ['code', 'token'].map(option) },
    { kind: 'words', name: 'scope', label: 'Scopes', hint: 'Space-separated; or use Associate scopes on the list.' },
    { kind: 'nullable', name: 'access_token_lifetime', label: 'Expiration interval', nullLabel: 'Never expires', valueLabel: 'Expires in seconds', min: 1 },
    { kind: 'nullable', name: 'refresh_token_limit', label: 'Refresh count', nullLabel: 'Unlimited', valueLabel: 'Limited to', min: 0, hint: '0 means no refresh token is issued.' },
    {
      kind: 'select',
      name: 'require_pkce',
      label: 'PKCE',
      options: [
        { label: 'Tenant default', value: null },
        { label: 'Required', value: true },
        { label: 'Not required (confidential clients only)', value: false },
      ],
    },
    { kind: 'switch', name: 'active', label: 'Active' },
    { kind: 'checkbox', name: 'api_key_enabled', label: 'Enable work with API keys' },
    { kind: 'number', name: 'api_key_timeout_hours', label: 'API key timeout (hours)', min: 0, hint: '0 = keys never expire.' },
    { kind: 'text', name: 'api_key_allowed_auth_type', label: 'Allow only this authentication type name', hint: 'Empty: any.' },
    { kind: 'checkbox', name: 'api_key_scope_customization', label: 'API key allows scope customization' },
  ];
}

/** The form's values as the API's JSON: scopes as one string, empty optional strings as null. */
function toBody(values: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...values, scope: ((values.scope as string[] | undefined) ?? []).join(' ') };
  if (body.api_key_allowed_auth_type === '') body.api_key_allowed_auth_type = null;
  if (body.client_version === '') delete body.client_version;
  return body;
}

const credentials = (client: Client, intro = `Client "${client.client_name}" (${client.client_version}) is registered.`) =>
  shownOnce(intro, [
    { label: 'Client ID', value: client.client_id },
    ...(client.client_secret ? [{ label: 'Client secret', value: client.client_secret, secret: true }] : []),
    { label: 'Token endpoint', value: `${config.issuer}/oauth/token` },
    { label: 'Authorization endpoint', value: `${config.issuer}/oauth/authorize` },
  ]);

function associateScopes(client: Client, done: () => void): void {
  guard(async () => {
    const scopes = await all<Scope>('/scopes');
    formDialog({
      title: `Associated scopes with ${client.client_name}(${client.client_version})`,
      fields: [{ kind: 'checkboxes', name: 'scope', label: 'Scopes', hint: 'Ticked scopes are associated; untick to disassociate.', options: scopes.map((s) => ({ label: s.description ? `${s.name} — ${s.description}` : s.name, value: s.name })) }],
      values: { scope: client.scope.split(' ').filter(Boolean) },
      submitLabel: 'Associate',
      submit: async (values) => {
        await api.patch(`/clients/${segment(client.client_id)}`, { scope: (values.scope as string[]).join(' ') });
        notify(`Scopes of ${client.client_name} saved.`);
        done();
      },
    });
  })();
}

export function clientsPage(main: HTMLElement): void {
  const table = pagedTable<Client>(
    'Registered clients',
    [
      { label: 'Name', cell: (c) => [h('strong', {}, c.client_name), ` (${c.client_version})`, c.description ? h('div', { class: 'muted' }, c.description) : null] },
      { label: 'Client ID', cell: (c) => h('code', {}, c.client_id) },
      { label: 'Type', cell: (c) => [c.client_type, c.client_secret_expires_at ? h('div', { class: 'muted' }, `Secret ${c.client_secret_expires_at * 1000 > Date.now() ? 'expires' : 'expired'} ${formatTime(c.client_secret_expires_at)}`) : null] },
      { label: 'Grants', cell: (c) => tags(c.grant_types) },
      { label: 'Scopes', cell: (c) => tags(c.scope.split(' ').filter(Boolean)) },
      {
        label: 'Status',
        cell: (c) => {
          const id = `active-${c.client_id}`;
          const toggle = h('input', { type: 'checkbox', role: 'switch', id, checked: c.active, class: 'switch', 'aria-label': `Active: ${c.client_name}` });
          toggle.addEventListener('change', guard(async () => {
            try {
              await api.patch(`/clients/${segment(c.client_id)}`, { active: toggle.checked });
              c.active = toggle.checked;
              notify(`${c.client_name} is ${c.active ? 'active' : 'deactivated: its tokens are refused'}.`);
            } catch (error) {
              toggle.checked = c.active;
              throw error;
            }
          }));
          return h('div', { class: 'check' }, toggle, h('label', { for: id }, 'Active'));
        },
      },
      {
        label: 'Actions',
        cell: (c) =>
          h(
            'div',
            { class: 'row-actions' },
            button('Edit', () => editClient(c), { 'aria-label': `Edit ${c.client_name}` }),
            button('Associate scopes', () => associateScopes(c, table.reload), { 'aria-label': `Associate scopes with ${c.client_name}` }),
            c.client_type === 'confidential' ? button('New secret', () => regenerate(c), { 'aria-label': `New secret for ${c.client_name}` }) : null,
            button('Delete', () => deleteDialog(clients, c, 'Its access and refresh tokens are deleted with it. This cannot be undone.'), { class: 'danger', 'aria-label': `Delete ${c.client_name}` }),
          ),
      },
    ],
    (cursor) => api.page<Client>('/clients', cursor),
    'No clients yet: add one.',
  );

  const clients: Resource<Client> = { noun: 'client', path: '/clients', key: (c) => c.client_id, label: (c) => `${c.client_name}(${c.client_version})`, reload: table.reload };

  function editClient(client: Client): void {
    formDialog({
      title: `Edit ${client.client_name}(${client.client_version})`,
      fields: clientFields(true),
      values: { ...client, scope: client.scope.split(' ').filter(Boolean) },
      submitLabel: 'Save',
      submit: async (values) => {
        const saved = await api.patch<Client>(`/clients/${segment(client.client_id)}`, toBody(values));
        table.reload();
        notify(`${client.client_name} saved.`);
        // Made confidential: the new secret comes with this response only.
        if (saved.client_secret) return credentials(saved);
      },
    });
  }

  function regenerate(client: Client): void {
    formDialog({
      title: `New secret for ${client.client_name}`,
      intro: [h('p', {}, 'The current secret stops working at once, unless you keep it valid for a while so that the client can switch without downtime.')],
      fields: [
        {
          kind: 'select',
          name: 'previous_secret_valid_for_s',
          label: 'Keep the old secret valid for',
          hint: 'Never past its own expiry.',
          options: [
            { label: 'None: it stops at once', value: 0 },
            { label: '1 hour', value: HOUR },
            { label: '1 day', value: DAY },
            { label: '7 days', value: 7 * DAY },
            { label: '30 days', value: 30 * DAY },
          ],
        },
        { kind: 'number', name: 'expires_in_days', label: 'New secret expires in (days)', min: 1, max: 3650, hint: 'Empty: it does not expire.' },
      ],
      submitLabel: 'Issue new secret',
      danger: true,
      submit: async (values) => {
        const days = values.expires_in_days;
        const issued = await api.post<IssuedSecret>(`/clients/${segment(client.client_id)}/secret`, {
          previous_secret_valid_for_s: values.previous_secret_valid_for_s,
          // A value that is not a number goes as it is, for the API to refuse by name.
          ...(days === undefined ? {} : { expires_in_s: typeof days === 'number' ? Math.round(days * DAY) : days }),
        });
        table.reload();
        notify(`${client.client_name} has a new secret.`);
        return [
          credentials({ ...client, client_secret: issued.client_secret }, `A new secret for "${client.client_name}" (${client.client_version}).`),
          h('p', {}, `The new secret expires: ${formatTime(issued.client_secret_expires_at || null)}.`),
          h('p', {}, issued.previous_secret_expires_at === null ? 'The old secret no longer works.' : `The old secret keeps working until ${formatTime(issued.previous_secret_expires_at)}.`),
        ];
      },
    });
  }

  const add = button('Add New Client', () =>
    formDialog({
      title: 'Add New Client',
      fields: clientFields(false),
      values: { token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], response_types: [], access_token_lifetime: 3600, refresh_token_limit: 0, require_pkce: null, active: true, api_key_timeout_hours: 0 },
      submitLabel: 'Add',
      submit: async (values) => {
        const created = await api.post<Client>('/clients', toBody(values));
        table.reload();
        notify(`${created.client_name} registered.`);
        return credentials(created);
      },
    }), { class: 'primary' });

  renderPage(main, 'Client Registration', [add], table.element);
}
