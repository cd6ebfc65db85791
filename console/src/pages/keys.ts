/**
 * The tenant's signing keys: what each is doing (pending, active, retiring, retired, withdrawn),
 * Rotate (a new key, published at once, signing after the activation delay) and Withdraw (a leaked
 * key: out of the JWKS and every token it signed refused at once — the console's own session
 * too, when its token was signed by that key; the next call then answers 401 and the console asks
 * to sign in again).
 */
import { api, segment } from '../api.js';
import { sessionKeyId } from '../auth.js';
import { button, formatTime, h } from '../dom.js';
import { formDialog } from '../ui/dialog.js';
import { pagedTable } from '../ui/list.js';
import { guard, notify } from '../ui/notice.js';
import { renderPage } from '../ui/page.js';

interface SigningKey {
  kid: string;
  alg: string;
  status: 'pending' | 'active' | 'retiring' | 'retired' | 'withdrawn';
  created_at: number;
  activates_at: number;
  retires_at: number | null;
  withdrawn_at: number | null;
  withdrawn_reason: string | null;
}

const BADGES: Record<SigningKey['status'], string> = {
  pending: 'badge-pending',
  active: 'badge-active',
  retiring: 'badge-muted',
  retired: 'badge-muted',
  withdrawn: 'badge-revoked',
};

export function keysPage(main: HTMLElement): void {
  const sessionKid = sessionKeyId();
  const table = pagedTable<SigningKey>(
    'Signing keys, latest first',
    [
      { label: 'Key ID', cell: (k) => [h('code', {}, k.kid), k.kid === sessionKid ? h('div', { class: 'muted' }, 'Signed your console session') : null] },
      { label: 'Algorithm', cell: (k) => k.alg },
      { label: 'Status', cell: (k) => h('span', { class: `badge ${BADGES[k.status]}` }, k.status) },
      { label: 'Created', cell: (k) => formatTime(k.created_at) },
      { label: 'Signs from', cell: (k) => formatTime(k.activates_at) },
      { label: 'Published until', cell: (k) => (k.status === 'withdrawn' ? '—' : formatTime(k.retires_at, k.status === 'retiring' ? 'Until its last token expires' : '—')) },
      { label: 'Withdrawn', cell: (k) => (k.withdrawn_at === null ? '—' : [formatTime(k.withdrawn_at), k.withdrawn_reason ? h('div', { class: 'muted' }, k.withdrawn_reason) : null]) },
      { label: 'Actions', cell: (k) => (k.status === 'withdrawn' ? null : button('Withdraw', () => withdraw(k), { class: 'danger', 'aria-label': `Withdraw key ${k.kid}` })) },
    ],
    (cursor) => api.page<SigningKey>('/keys', cursor),
    'No signing keys.',
  );

  function withdraw(key: SigningKey): void {
    formDialog({
      title: `Withdraw signing key ${key.kid}?`,
      intro: [
        h('p', {}, 'The key leaves the published key set and every token it signed stops working at once, on every node. This cannot be undone.'),
        key.status === 'active' ? h('p', {}, 'It is the key signing now: a new key replaces it and signs at once.') : null,
        key.kid === sessionKid ? h('p', { class: 'warning' }, 'Your own console session was signed with this key: it ends too, and you will be asked to sign in again.') : null,
      ],
      fields: [{ kind: 'text', name: 'reason', label: 'Reason (optional)', hint: 'Kept with the key and in the audit log, e.g. "leaked in a build log".' }],
      submitLabel: 'Withdraw key',
      danger: true,
      submit: async (values) => {
        const reason = String(values.reason ?? '').trim();
        const { replacement } = await api.delete<{ withdrawn: SigningKey; replacement: SigningKey | null }>(`/keys/${segment(key.kid)}`, { reason });
        notify(`Key ${key.kid} withdrawn.${replacement ? ` Key ${replacement.kid} signs now.` : ''}`);
        // With the session's own key withdrawn, this reload is refused (401): the console then signs in again.
        table.reload();
      },
    });
  }

  const rotate = button('Rotate', guard(async () => {
    rotate.disabled = true;
    try {
      const key = await api.post<SigningKey>('/keys/rotate', undefined);
      table.reload();
      notify(`Key ${key.kid} added: ${key.status === 'pending' ? `it signs from ${formatTime(key.activates_at)}` : 'it signs now'}.`);
    } finally {
      rotate.disabled = false;
    }
  }), { class: 'primary' });

  renderPage(
    main,
    'Signing keys',
    [rotate],
    h('p', { class: 'muted' }, 'Rotate adds a key: published at once, signing after the activation delay; the key it supersedes stays published until the last token it signed expires. Withdraw a key that may have leaked.'),
    table.element,
  );
}
