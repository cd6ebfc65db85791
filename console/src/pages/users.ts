/**
 * Users: roles (a user with the admin role may sign in here), lock (after a confirmation:
 * `disabled`, every session and token of the user ends) and unlock, reset password, their API
 * keys, their tokens, their remembered consents (revocable), delete.
 */
import { all, api, segment } from '../api.js';
import { button, formatTime, h } from '../dom.js';
import { confirmDialog, formDialog } from '../ui/dialog.js';
import type { Field } from '../ui/form.js';
import { pagedTable } from '../ui/list.js';
import { guard, notify } from '../ui/notice.js';
import { renderPage, tags } from '../ui/page.js';
import { addDialog, deleteDialog, editDialog, type Resource } from '../ui/resource.js';

interface Consent {
  client_id: string;
  scope: string;
  created_at: number;
}

export interface User {
  id: string;
  username: string;
  email: string | null;
  email_verified: boolean;
  given_name: string | null;
  family_name: string | null;
  external_id: string | null;
  roles: string[];
  disabled: boolean;
}

const profile: Field[] = [
  { kind: 'text', name: 'email', label: 'Email' },
  { kind: 'checkbox', name: 'email_verified', label: 'Email verified' },
  { kind: 'text', name: 'given_name', label: 'First name' },
  { kind: 'text', name: 'family_name', label: 'Last name' },
  { kind: 'text', name: 'external_id', label: 'External ID' },
  { kind: 'words', name: 'roles', label: 'Roles', hint: 'Space-separated; "admin" lets the user sign in to this console.' },
];

/** Empty optional text is "no value" (null), not an empty string. */
function nullEmpty(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === '' && k !== 'password' ? null : v]));
}

export function usersPage(main: HTMLElement): void {
  const table = pagedTable<User>(
    'Users',
    [
      { label: 'Username', cell: (u) => h('strong', {}, u.username) },
      { label: 'Name', cell: (u) => [u.given_name, u.family_name].filter(Boolean).join(' ') },
      { label: 'Email', cell: (u) => u.email ?? '' },
      { label: 'Roles', cell: (u) => tags(u.roles) },
      { label: 'Status', cell: (u) => h('span', { class: `badge ${u.disabled ? 'badge-revoked' : 'badge-active'}` }, u.disabled ? 'Locked' : 'Active') },
      {
        label: 'Actions',
        cell: (u) =>
          h(
            'div',
            { class: 'row-actions' },
            button('Edit', () => editDialog(users, u, [{ kind: 'text', name: 'username', label: 'Username', readonly: true }, ...profile], { title: `Edit ${u.username}`, body: nullEmpty }), { 'aria-label': `Edit ${u.username}` }),
            u.disabled
              ? button('Unlock', guard(() => setLocked(u, false)), { 'aria-label': `Unlock ${u.username}` })
              : button('Lock', () => lock(u), { 'aria-label': `Lock ${u.username}` }),
            button('Reset password', () => resetPassword(u), { 'aria-label': `Reset the password of ${u.username}` }),
            h('a', { href: `#/api-keys?user=${encodeURIComponent(u.id)}`, class: 'button', 'aria-label': `API keys of ${u.username}` }, 'API keys'),
            h('a', { href: `#/tokens?subject=${encodeURIComponent(u.id)}`, class: 'button', 'aria-label': `Tokens of ${u.username}` }, 'Tokens'),
            button('Consents', () => consents(u), { 'aria-label': `Consents of ${u.username}` }),
            button('Delete', () => deleteDialog(users, u, 'Their sessions, tokens and API keys are deleted with them.'), { class: 'danger', 'aria-label': `Delete ${u.username}` }),
          ),
      },
    ],
    (cursor) => api.page<User>('/users', cursor),
    'No users yet.',
  );

  async function setLocked(user: User, disabled: boolean): Promise<void> {
    await api.patch(`/users/${segment(user.id)}`, { disabled });
    table.reload();
    notify(`${user.username} is ${disabled ? 'locked: their sessions and tokens end' : 'unlocked'}.`);
  }

  const lock = (user: User) =>
    confirmDialog(
      `Lock user ${user.username}?`,
      'They can no longer sign in, and every session and token they hold ends at once, for good: unlocking does not bring those back. Their API keys stop working while they are locked.',
      'Lock user',
      () => setLocked(user, true),
    );

  /** The user's remembered consents (one per application): unticking one revokes it, so that application asks again. */
  const consents = (user: User) =>
    guard(async () => {
      const remembered = await all<Consent>(`/users/${segment(user.id)}/consents`);
      if (remembered.length === 0) return notify(`${user.username} has no remembered consents.`);
      formDialog({
        title: `Consents of ${user.username}`,
        fields: [
          {
            kind: 'checkboxes',
            name: 'kept',
            label: 'Applications and the scopes granted to them',
            hint: 'Untick to revoke: that application asks for consent again at its next sign-in.',
            options: remembered.map((c) => ({ label: `${c.client_id} — ${c.scope || 'no scopes'} (since ${formatTime(c.created_at)})`, value: c.client_id })),
          },
        ],
        values: { kept: remembered.map((c) => c.client_id) },
        submitLabel: 'Revoke unticked',
        danger: true,
        submit: async (values) => {
          const revoked = remembered.filter((c) => !(values.kept as string[]).includes(c.client_id));
          for (const consent of revoked) await api.delete(`/users/${segment(user.id)}/consents/${segment(consent.client_id)}`);
          notify(revoked.length ? `Revoked ${revoked.length} consent(s) of ${user.username}.` : 'Nothing revoked.');
        },
      });
    })();

  const resetPassword = (user: User) =>
    formDialog({
      title: `Reset the password of ${user.username}`,
      fields: [{ kind: 'password', name: 'password', label: 'New password', required: true, autocomplete: 'new-password', hint: 'At least 8 characters. The user’s sessions and tokens end.' }],
      submitLabel: 'Set password',
      submit: async (values) => {
        await api.patch(`/users/${segment(user.id)}`, values);
        notify(`The password of ${user.username} was reset.`);
      },
    });

  const users: Resource<User> = { noun: 'user', path: '/users', key: (u) => u.id, label: (u) => u.username, reload: table.reload };
  const add = button('Add User', () =>
    addDialog(users, {
      title: 'Add User',
      fields: [
        { kind: 'text', name: 'username', label: 'Username', required: true },
        { kind: 'password', name: 'password', label: 'Password', required: true, autocomplete: 'new-password', hint: 'At least 8 characters.' },
        ...profile,
      ],
      body: nullEmpty,
    }), { class: 'primary' });

  renderPage(main, 'Users', [add], table.element);
}
