/**
 * API keys per user (seed 004's "Application API KEY" and its GENERATE pop-up): pick the user,
 * see their keys and whether each still works, generate one for an application (shown once), delete.
 */
import { all, api, segment } from '../api.js';
import { button, formatTime, h, uid } from '../dom.js';
import { confirmDialog, formDialog } from '../ui/dialog.js';
import { pagedTable } from '../ui/list.js';
import { guard, notify } from '../ui/notice.js';
import { renderPage } from '../ui/page.js';
import { shownOnce } from '../ui/secret.js';
import { clientLabel, type Client } from './clients.js';
import type { User } from './users.js';

interface ApiKey {
  id: string;
  client_id: string;
  scope: string;
  hint: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  status: 'valid' | 'invalid';
  invalid_reason: string | null;
}

export function apiKeysPage(main: HTMLElement, params: URLSearchParams): void {
  const pickerId = uid('user');
  const picker = h('select', { id: pickerId });
  const content = h('div');
  const generate = button('GENERATE', guard(async () => openGenerate()), { class: 'primary', disabled: true });
  renderPage(main, 'API keys', [generate], h('div', { class: 'field filters' }, h('label', { for: pickerId }, 'User'), picker), content);

  let userId = params.get('user') ?? '';
  let reload: () => void = () => undefined;

  function showKeys(): void {
    generate.disabled = !userId;
    history.replaceState(null, '', `#/api-keys?user=${encodeURIComponent(userId)}`);
    const table = pagedTable<ApiKey>(
      'API keys of the user',
      [
        { label: 'Key', cell: (k) => h('code', {}, `${k.hint}…`) },
        { label: 'Application', cell: (k) => h('code', {}, k.client_id) },
        { label: 'Scope', cell: (k) => k.scope },
        { label: 'Created', cell: (k) => formatTime(k.created_at) },
        { label: 'Expires', cell: (k) => formatTime(k.expires_at) },
        { label: 'Last used', cell: (k) => formatTime(k.last_used_at, '—') },
        { label: 'Status', cell: (k) => (k.status === 'valid' ? h('span', { class: 'badge badge-active' }, 'valid') : h('span', { class: 'badge badge-revoked', title: k.invalid_reason ?? '' }, `invalid: ${k.invalid_reason ?? ''}`)) },
        { label: 'Actions', cell: (k) => button('Delete', () => remove(k), { class: 'danger', 'aria-label': `Delete API key ${k.hint}` }) },
      ],
      (cursor) => api.page<ApiKey>(`/users/${segment(userId)}/api-keys`, cursor),
      'This user has no API keys.',
    );
    reload = table.reload;
    content.replaceChildren(table.element);
  }

  const remove = (key: ApiKey) =>
    confirmDialog('Delete this API key?', `Key ${key.hint}… stops working, and tokens exchanged for it are revoked.`, 'Delete API key', async () => {
      await api.delete(`/users/${segment(userId)}/api-keys/${segment(key.id)}`);
      reload();
      notify('API key deleted.');
    });

  async function openGenerate(): Promise<void> {
    const clients = (await all<Client>('/clients')).filter((c) => c.api_key_enabled);
    // An empty picker would only lead to the API's "client_id is required".
    if (clients.length === 0) throw new Error('No application has API keys enabled: turn on api_key_enabled ("Enable work with API keys") on a client first.');
    formDialog({
      title: 'Generate API key',
      fields: [
        { kind: 'select', name: 'client_id', label: 'Application', hint: 'Applications with "Enable work with API keys".', options: clients.map((c) => ({ label: clientLabel(c), value: c.client_id })) },
        { kind: 'words', name: 'scope', label: 'Scopes', hint: 'Empty: the application’s scopes.' },
      ],
      values: { client_id: clients[0]?.client_id },
      submitLabel: 'GENERATE',
      submit: async (values) => {
        const scope = (values.scope as string[]).join(' ');
        const issued = await api.post<{ id: string; api_key: string; expires_at: number | null; scope: string }>(`/users/${segment(userId)}/api-keys`, { client_id: values.client_id, ...(scope ? { scope } : {}) });
        reload();
        notify('API key generated.');
        return shownOnce(`An API key for ${String(values.client_id)}, scope "${issued.scope}", expiring: ${formatTime(issued.expires_at)}.`, [{ label: 'API key', value: issued.api_key, secret: true }]);
      },
    });
  }

  picker.addEventListener('change', () => {
    userId = picker.value;
    showKeys();
  });
  guard(async () => {
    const users = await all<User>('/users');
    picker.replaceChildren(h('option', { value: '' }, 'Choose a user'), ...users.map((u) => h('option', { value: u.id }, u.username)));
    picker.value = users.some((u) => u.id === userId) ? userId : '';
    userId = picker.value;
    if (userId) showKeys();
  })();
}
