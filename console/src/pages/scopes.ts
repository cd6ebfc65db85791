/**
 * Scope Management (seed 003): a scope names the services (URL patterns) it opens, and
 * optionally the roles a user needs to receive it. Built-in scopes (`built_in`) can be neither
 * changed nor deleted, so they offer no actions; a scope in use by a client or a live token
 * answers 409 to a delete, shown as is.
 */
import { api } from '../api.js';
import { button, h } from '../dom.js';
import type { Field } from '../ui/form.js';
import { pagedTable } from '../ui/list.js';
import { renderPage, tags } from '../ui/page.js';
import { addDialog, deleteDialog, editDialog, type Resource } from '../ui/resource.js';

export interface Scope {
  name: string;
  description: string;
  services: string[];
  roles: string[];
  built_in: boolean;
}

const fields = (editing: boolean): Field[] => [
  { kind: 'text', name: 'name', label: 'Name', required: true, readonly: editing, hint: editing ? 'The name cannot change.' : 'Unique in this tenant (not case-sensitive).' },
  { kind: 'textarea', name: 'description', label: 'Description', hint: 'Shown to users on the consent page.' },
  {
    kind: 'lines',
    name: 'services',
    label: 'Service URLs',
    hint: 'One pattern per line, optionally after HTTP methods: "GET,HEAD /orders/*". "*" is one path segment (a path variable), a trailing "/**" any depth.',
  },
  { kind: 'words', name: 'roles', label: 'Roles', hint: 'Optional: only users holding one of these roles receive the scope.' },
];

export function scopesPage(main: HTMLElement): void {
  const table = pagedTable<Scope>(
    'Scopes',
    [
      { label: 'Name', cell: (s) => [h('strong', {}, s.name), s.built_in ? h('span', { class: 'badge' }, 'built-in') : null] },
      { label: 'Description', cell: (s) => s.description },
      { label: 'Service URLs', cell: (s) => tags(s.services) },
      { label: 'Roles', cell: (s) => tags(s.roles) },
      {
        label: 'Actions',
        cell: (s) =>
          s.built_in
            ? h('span', { class: 'muted' }, 'Built in: fixed')
            : h(
                'div',
                { class: 'row-actions' },
                button('Edit', () => editDialog(scopes, s, fields(true)), { 'aria-label': `Edit scope ${s.name}` }),
                button('Delete', () => deleteDialog(scopes, s, 'A scope still associated with a client or carried by a live token cannot be deleted.'), { class: 'danger', 'aria-label': `Delete scope ${s.name}` }),
              ),
      },
    ],
    (cursor) => api.page<Scope>('/scopes', cursor),
    'No scopes yet.',
  );
  const scopes: Resource<Scope> = { noun: 'scope', path: '/scopes', key: (s) => s.name, label: (s) => s.name, reload: table.reload };
  const add = button('Add New Scope', () => addDialog(scopes, { title: 'Add New Scope', fields: fields(false) }), { class: 'primary' });
  renderPage(main, 'Scope Management', [add], table.element);
}
