/**
 * Client Registration (seed 003): every field of the client metadata, the secret shown once,
 * Associate OAuth Scopes, the Status slider (deactivation, after a confirmation, refuses every
 * token at once), a new secret (the old one optionally valid a while longer), delete with
 * confirmation (its tokens go with it). The console's own client is the server's: it can be
 * edited only in what its sign-in does not depend on.
 */
import { api, all, ApiError, segment } from '../api.js';
import { button, formatTime, h } from '../dom.js';
import { confirmDialog, formDialog } from '../ui/dialog.js';
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
  post_logout_redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  scope: string;
  access_token_lifetime: number | null;
  refresh_token_limit: number | null;
  /** Effective: the client's own setting, else the tenant's. */
  require_pkce: boolean;
  /** The client's own setting; null = it follows the tenant's. What the edit form shows and sends back. */
  require_pkce_override: boolean | null;
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

/** A client as people tell them apart: name and version ("Orders App (2)"), in labels and announcements. */
export const clientLabel = (client: Pick<Client, 'client_name' | 'client_version'>): string => `${client.client_name} (${client.client_version})`;

/** The console's own client: the server sets what its sign-in depends on (the API answers 409). */
const isManaged = (client: Client): boolean => client.client_id === config.clientId;
const MANAGED_FIELDS = new Set(['token_endpoint_auth_method', 'redirect_uris', 'grant_types', 'response_types', 'scope']);

/**
 * The form's fields. Editing leaves out Active: the list's slider deactivates, after a
 * confirmation, and an unrelated edit must never switch a client off.
 */
function clientFields(editing: boolean, managed = false): Field[] {
  const fields: Field[] = [
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
    { kind: 'lines', name: 'post_logout_redirect_uris', label: 'Sign-out redirection URLs', hint: 'Optional, one per line: where signing out may send users back, besides the redirection URLs.' },
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
    ...(editing ? [] : [{ kind: 'switch', name: 'active', label: 'Active' } as const]),
    { kind: 'checkbox', name: 'api_key_enabled', label: 'Enable work with API keys' },
    { kind: 'number', name: 'api_key_timeout_hours', label: 'API key timeout (hours)', min: 0, hint: '0 = keys never expire.' },
    { kind: 'text', name: 'api_key_allowed_auth_type', label: 'Allow only this authentication type name', hint: 'Empty: any.' },
    { kind: 'checkbox', name: 'api_key_scope_customization', label: 'API key allows scope customization' },
  ];
  return managed ? fields.filter((field) => !MANAGED_FIELDS.has(field.name)) : fields;
}

/** The form's values as the API's JSON: scopes as one string, empty optional strings as null. */
function toBody(values: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...values };
  if (Array.isArray(values.scope)) body.scope = values.scope.join(' ');
  if (body.api_key_allowed_auth_type === '') body.api_key_allowed_auth_type = null;
  if (body.client_version === '') delete body.client_version;
  return body;
}

const DEACTIVATION_WARNING =
  'It can no longer get tokens, and every token it holds is refused at once, on every node. Those tokens stay refused for good: reactivating the client does not bring them back.';
const MANAGED_NOTE = 'The console’s own client, managed by the server: it cannot be deactivated or deleted.';

/** Seed 003 shows these on every client: one token endpoint serves new tokens and refreshes alike. */
const ENDPOINTS = [
  { label: 'Authorization endpoint', value: `${config.issuer}/oauth/authorize` },
  { label: 'Token endpoint', value: `${config.issuer}/oauth/token` },
  { label: 'Refresh token endpoint', value: `${config.issuer}/oauth/token` },
];

const credentials = (client: Client, intro = `Client ${clientLabel(client)} is registered.`) =>
  shownOnce(intro, [
    { label: 'Client ID', value: client.client_id },
    ...(client.client_secret ? [{ label: 'Client secret', value: client.client_secret, secret: true }] : []),
    ...ENDPOINTS,
  ]);

/** GAM's FullControl is listed while compat.gam is on, but is a request-time alias: no client holds it. */
const GAM_FULL_CONTROL = 'FullControl';

/**
 * Associate and disassociate scopes, and (seed 003's "Associate New Scope") create one with its
 * service URLs and associate it in the same step.
 */
function associateScopes(client: Client, done: () => void): void {
  guard(async () => {
    const scopes = (await all<Scope>('/scopes')).filter((s) => s.name !== GAM_FULL_CONTROL);
    formDialog({
      title: `Associated scopes with ${client.client_name}(${client.client_version})`,
      fields: [
        { kind: 'checkboxes', name: 'scope', label: 'Scopes', hint: 'Ticked scopes are associated; untick to disassociate.', options: scopes.map((s) => ({ label: s.description ? `${s.name} — ${s.description}` : s.name, value: s.name })) },
        { kind: 'text', name: 'new_scope', label: 'Associate new scope', hint: 'Optional: the name of a scope to create and associate now.' },
        { kind: 'lines', name: 'new_scope_services', label: 'Its service URLs', hint: 'One pattern per line, as on the Scopes page: "GET,HEAD /orders/*".' },
      ],
      values: { scope: client.scope.split(' ').filter(Boolean) },
      submitLabel: 'Associate',
      submit: async (values) => {
        const chosen = values.scope as string[];
        const created = typeof values.new_scope === 'string' ? values.new_scope.trim() : '';
        if (created) await createScope(created, (values.new_scope_services as string[] | undefined) ?? []);
        await api.patch(`/clients/${segment(client.client_id)}`, { scope: [...chosen, ...(created ? [created] : [])].join(' ') });
        notify(created ? `Scope ${created} created and associated with ${clientLabel(client)}.` : `Scopes of ${clientLabel(client)} saved.`);
        done();
      },
    });
  })();
}

/** Creates a scope from the associate dialog; its field errors are shown on that dialog's fields. */
async function createScope(name: string, services: string[]): Promise<void> {
  try {
    await api.post('/scopes', { name, services });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const onDialog = (field: string) => (field === 'name' ? 'new_scope' : field.replace(/^services/, 'new_scope_services'));
    throw new ApiError(error.status, error.message, error.errors.map((e) => ({ ...e, field: onDialog(e.field) })));
  }
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
          const managed = isManaged(c);
          const noteId = `${id}-note`;
          const toggle = h('input', { type: 'checkbox', role: 'switch', id, checked: c.active, class: 'switch', disabled: managed && c.active, 'aria-label': `Active: ${clientLabel(c)}`, 'aria-describedby': managed ? noteId : undefined });
          const state = h('label', { for: id }, c.active ? 'Active' : 'Inactive');
          const setActive = async (active: boolean) => {
            await api.patch(`/clients/${segment(c.client_id)}`, { active });
            c.active = toggle.checked = active;
            state.textContent = active ? 'Active' : 'Inactive';
            notify(`${clientLabel(c)} is ${active ? 'active' : 'deactivated: its tokens are refused'}.`);
          };
          toggle.addEventListener('change', () => {
            const wanted = toggle.checked;
            // The switch shows what the server holds: it moves once the change is made.
            toggle.checked = c.active;
            if (wanted) guard(() => setActive(true))();
            else confirmDialog(`Deactivate client ${clientLabel(c)}?`, DEACTIVATION_WARNING, 'Deactivate client', () => setActive(false));
          });
          return [h('div', { class: 'check' }, toggle, state), managed ? h('div', { class: 'muted', id: noteId }, MANAGED_NOTE) : null];
        },
      },
      {
        label: 'Actions',
        cell: (c) =>
          h(
            'div',
            { class: 'row-actions' },
            button('Edit', () => editClient(c), { 'aria-label': `Edit ${clientLabel(c)}` }),
            isManaged(c) ? null : button('Associate scopes', () => associateScopes(c, table.reload), { 'aria-label': `Associate scopes with ${clientLabel(c)}` }),
            c.client_type === 'confidential' ? button('New secret', () => regenerate(c), { 'aria-label': `New secret for ${clientLabel(c)}` }) : null,
            isManaged(c) ? null : button('Delete', () => deleteDialog(clients, c, 'Its access and refresh tokens are deleted with it. This cannot be undone.'), { class: 'danger', 'aria-label': `Delete ${clientLabel(c)}` }),
          ),
      },
    ],
    (cursor) => api.page<Client>('/clients', cursor),
    'No clients yet: add one.',
  );

  const clients: Resource<Client> = { noun: 'client', path: '/clients', key: (c) => c.client_id, label: (c) => `${c.client_name}(${c.client_version})`, reload: table.reload };

  function editClient(client: Client): void {
    const managed = isManaged(client);
    formDialog({
      title: `Edit ${client.client_name}(${client.client_version})`,
      intro: managed ? [h('p', {}, `${MANAGED_NOTE} Its type, redirection URLs, grants and scopes are set by the server.`)] : undefined,
      fields: clientFields(true, managed),
      // The client's own PKCE setting, not the effective one: saving must not pin the tenant's default.
      values: { ...client, scope: client.scope.split(' ').filter(Boolean), require_pkce: client.require_pkce_override },
      submitLabel: 'Save',
      submit: async (values) => {
        const saved = await api.patch<Client>(`/clients/${segment(client.client_id)}`, toBody(values));
        table.reload();
        notify(`${clientLabel(client)} saved.`);
        // Made confidential: the new secret comes with this response only.
        if (saved.client_secret) return credentials(saved);
      },
    });
  }

  function regenerate(client: Client): void {
    formDialog({
      title: `New secret for ${clientLabel(client)}`,
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
        notify(`${clientLabel(client)} has a new secret.`);
        return [
          credentials({ ...client, client_secret: issued.client_secret }, `A new secret for ${clientLabel(client)}.`),
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
        notify(`${clientLabel(created)} registered.`);
        return credentials(created);
      },
    }), { class: 'primary' });

  const endpoints = h('dl', { class: 'endpoints' }, ENDPOINTS.flatMap((e) => [h('dt', {}, e.label), h('dd', {}, h('code', {}, e.value))]));
  renderPage(main, 'Client Registration', [add], endpoints, table.element);
}
