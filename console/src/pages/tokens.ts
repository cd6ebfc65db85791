/**
 * Token Management (seed 003): every token with its expiry ("Expired" once past, "Never" for
 * never-expiring ones), its refresh count left ("Unlimited"), filters, delete (revokes the access
 * token and its refresh token) and Add New Token (shown once).
 */
import { all, api, segment } from '../api.js';
import { button, formatTime, h, uid } from '../dom.js';
import { confirmDialog, formDialog } from '../ui/dialog.js';
import { pagedTable } from '../ui/list.js';
import { guard, notify } from '../ui/notice.js';
import { renderPage } from '../ui/page.js';
import { shownOnce } from '../ui/secret.js';
import { clientLabel, type Client } from './clients.js';

interface Token {
  id: string;
  client_id: string;
  subject: string;
  scope: string;
  grant_type: string;
  issued_at: number;
  expires_at: number | null;
  status: 'active' | 'expired' | 'revoked';
  cut_off: 'client_deleted' | 'client_deactivated' | 'user_invalid' | 'signing_key_withdrawn' | null;
  revoked_reason: string | null;
  refresh_count_left: number | null;
}

interface Issued {
  id: string;
  access_token: string;
  expires_at: number;
  scope: string;
}

const CUT_OFF_LABELS: Record<NonNullable<Token['cut_off']>, string> = {
  client_deleted: 'its client was deleted',
  client_deactivated: 'its client was deactivated',
  user_invalid: 'its user was disabled or their credentials changed',
  signing_key_withdrawn: 'its signing key was withdrawn',
};

/** A token that something else cut off is listed as revoked; the badge says what cut it off. */
function statusCell(t: Token): HTMLElement {
  if (t.cut_off) return h('span', { class: 'badge badge-revoked', title: `Refused: ${CUT_OFF_LABELS[t.cut_off]}` }, `refused (${CUT_OFF_LABELS[t.cut_off]})`);
  if (t.revoked_reason) return h('span', { class: 'badge badge-revoked', title: `Revoked: ${t.revoked_reason}` }, `revoked (${t.revoked_reason})`);
  return h('span', { class: `badge badge-${t.status}` }, t.status);
}

function labelled(label: string, control: HTMLInputElement | HTMLSelectElement): HTMLElement {
  control.id = uid('filter');
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
}

export function tokensPage(main: HTMLElement, params: URLSearchParams): void {
  const client = h('input', { type: 'text', name: 'client_id', value: params.get('client_id') ?? '' });
  const subject = h('input', { type: 'text', name: 'subject', value: params.get('subject') ?? '' });
  const status = h('select', { name: 'status' }, ['', 'active', 'expired', 'revoked'].map((s) => h('option', { value: s }, s || 'Any')));
  const filters = h('form', { class: 'filters', role: 'search' }, labelled('Client ID', client), labelled('Subject (client or user ID)', subject), labelled('Status', status), h('button', { type: 'submit' }, 'Filter'));

  const table = pagedTable<Token>(
    'Tokens',
    [
      { label: 'Token ID', cell: (t) => h('code', { title: t.id }, t.id) },
      { label: 'Client', cell: (t) => h('code', {}, t.client_id) },
      { label: 'Subject', cell: (t) => t.subject },
      { label: 'Scope', cell: (t) => t.scope },
      { label: 'Issued', cell: (t) => formatTime(t.issued_at) },
      { label: 'Expires', cell: (t) => (t.status === 'expired' ? h('span', { class: 'badge badge-muted' }, 'Expired') : formatTime(t.expires_at, 'Never (lifetime)')) },
      { label: 'Refresh count', cell: (t) => (t.refresh_count_left === null ? 'Unlimited' : String(t.refresh_count_left)) },
      { label: 'Status', cell: statusCell },
      // A cut-off token is refused already; deleting it still records the revocation in its own row.
      { label: 'Actions', cell: (t) => (t.status === 'revoked' && !t.cut_off ? null : button('Delete', () => remove(t), { class: 'danger', 'aria-label': `Delete token ${t.id}` })) },
    ],
    (cursor) => api.page<Token>('/tokens', cursor, { client_id: client.value.trim(), subject: subject.value.trim(), status: status.value }),
    'No tokens match.',
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    table.reload();
  });

  const remove = (token: Token) =>
    confirmDialog('Delete this token?', `Token ${token.id} of ${token.client_id} and its refresh token stop working at once.`, 'Delete token', async () => {
      await api.delete(`/tokens/${segment(token.id)}`);
      table.reload();
      notify('Token deleted.');
    });

  const add = button('Add New Token', guard(async () => {
    const clients = await all<Client>('/clients');
    formDialog({
      title: 'Add New Token',
      fields: [
        { kind: 'select', name: 'client_id', label: 'Client', options: clients.map((c) => ({ label: clientLabel(c), value: c.client_id })) },
        { kind: 'words', name: 'scope', label: 'Scope', hint: 'Space-separated; empty means every scope associated with the client.' },
        { kind: 'number', name: 'expires_in_days', label: 'Expires in (days)', min: 1, max: 3650, hint: 'Default 30.' },
      ],
      values: { client_id: clients[0]?.client_id },
      submitLabel: 'Generate',
      submit: async (values) => {
        const scope = (values.scope as string[]).join(' ');
        const issued = await api.post<Issued>('/tokens', { ...values, scope: scope || undefined });
        table.reload();
        notify('Token generated.');
        return shownOnce(`A token for ${String(values.client_id)} with scope "${issued.scope}", expiring ${formatTime(issued.expires_at)}.`, [
          { label: 'Access token', value: issued.access_token, secret: true },
          { label: 'Token ID', value: issued.id },
        ]);
      },
    });
  }), { class: 'primary' });

  renderPage(main, 'Token Management', [add], filters, table.element);
}
