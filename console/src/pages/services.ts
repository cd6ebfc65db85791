/** Services behind the gateway: requests under a path prefix go to an upstream, path unchanged. */
import { api } from '../api.js';
import { button, h } from '../dom.js';
import type { Field } from '../ui/form.js';
import { pagedTable } from '../ui/list.js';
import { renderPage } from '../ui/page.js';
import { addDialog, deleteDialog, editDialog, type Resource } from '../ui/resource.js';

interface Service {
  name: string;
  path_prefix: string;
  upstream: string;
  timeout_ms: number;
  pass_token: boolean;
}

const fields = (editing: boolean): Field[] => [
  { kind: 'text', name: 'name', label: 'Name', required: true, readonly: editing },
  { kind: 'text', name: 'path_prefix', label: 'Path prefix', required: true, placeholder: '/orders', hint: 'Unique across tenants.' },
  { kind: 'url', name: 'upstream', label: 'Upstream', required: true, placeholder: 'https://orders.internal:8443' },
  { kind: 'number', name: 'timeout_ms', label: 'Timeout (ms)', min: 1, max: 300000, hint: 'Default 30000.' },
  { kind: 'checkbox', name: 'pass_token', label: 'Forward the caller’s Authorization header' },
];

export function servicesPage(main: HTMLElement): void {
  const table = pagedTable<Service>(
    'Services',
    [
      { label: 'Name', cell: (s) => h('strong', {}, s.name) },
      { label: 'Path prefix', cell: (s) => h('code', {}, s.path_prefix) },
      { label: 'Upstream', cell: (s) => h('code', {}, s.upstream) },
      { label: 'Timeout', cell: (s) => `${s.timeout_ms} ms` },
      { label: 'Token forwarded', cell: (s) => (s.pass_token ? 'yes' : 'no') },
      {
        label: 'Actions',
        cell: (s) =>
          h(
            'div',
            { class: 'row-actions' },
            button('Edit', () => editDialog(services, s, fields(true)), { 'aria-label': `Edit service ${s.name}` }),
            button('Delete', () => deleteDialog(services, s, `The gateway stops routing ${s.path_prefix}.`), { class: 'danger', 'aria-label': `Delete service ${s.name}` }),
          ),
      },
    ],
    (cursor) => api.page<Service>('/services', cursor),
    'No services yet.',
  );
  const services: Resource<Service> = { noun: 'service', path: '/services', key: (s) => s.name, label: (s) => s.name, reload: table.reload };
  const add = button('Add Service', () => addDialog(services, { title: 'Add Service', fields: fields(false) }), { class: 'primary' });
  renderPage(main, 'Services', [add], table.element);
}
