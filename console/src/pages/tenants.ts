/**
 * Tenants (the default tenant's administrators only): each is an issuer of its own with its own
 * console; a new one's admin client credentials are shown once.
 */
import { api } from '../api.js';
import { button, formatTime, h } from '../dom.js';
import { pagedTable } from '../ui/list.js';
import { renderPage } from '../ui/page.js';
import { addDialog, deleteDialog, editDialog, type Resource } from '../ui/resource.js';
import { shownOnce } from '../ui/secret.js';

interface Tenant {
  id: string;
  name: string;
  issuer: string;
  created_at: number;
  admin_client_id?: string;
  admin_client_secret?: string;
}

const adminCredentials = (created: Tenant) =>
  shownOnce(`Tenant "${created.name}" is served at ${created.issuer}. Its admin client (client_credentials, scope admin):`, [
    { label: 'Issuer', value: created.issuer },
    { label: 'Admin client ID', value: created.admin_client_id ?? '' },
    { label: 'Admin client secret', value: created.admin_client_secret ?? '', secret: true },
  ]);

export function tenantsPage(main: HTMLElement): void {
  const table = pagedTable<Tenant>(
    'Tenants',
    [
      { label: 'ID', cell: (t) => h('code', {}, t.id) },
      { label: 'Name', cell: (t) => t.name },
      { label: 'Issuer', cell: (t) => h('code', {}, t.issuer) },
      { label: 'Created', cell: (t) => formatTime(t.created_at) },
      {
        label: 'Actions',
        cell: (t) =>
          h(
            'div',
            { class: 'row-actions' },
            t.id === 'default' ? null : h('a', { class: 'button', href: `${t.issuer}/console/`, 'aria-label': `Console of ${t.name}` }, 'Open console'),
            button('Rename', () => editDialog(tenants, t, [{ kind: 'text', name: 'name', label: 'Name', required: true }], { title: `Rename ${t.name}`, values: { name: t.name } }), { 'aria-label': `Rename ${t.name}` }),
            t.id === 'default'
              ? null
              : button('Delete', () => deleteDialog(tenants, t, 'Its clients, users, scopes and keys are deleted, and every token it issued stops working.'), { class: 'danger', 'aria-label': `Delete tenant ${t.name}` }),
          ),
      },
    ],
    (cursor) => api.page<Tenant>('/tenants', cursor),
    'No tenants.',
  );
  const tenants: Resource<Tenant> = { noun: 'tenant', path: '/tenants', key: (t) => t.id, label: (t) => t.id, reload: table.reload };

  const add = button('Add Tenant', () =>
    addDialog(tenants, {
      title: 'Add Tenant',
      fields: [
        { kind: 'text', name: 'id', label: 'ID', required: true, hint: 'Lower-case letters, digits and "-": its issuer is …/t/{id}.' },
        { kind: 'text', name: 'name', label: 'Name' },
      ],
      body: (values) => ({ id: values.id, ...(values.name ? { name: values.name } : {}) }),
      result: adminCredentials,
    }), { class: 'primary' });

  renderPage(main, 'Tenants', [add], table.element);
}
