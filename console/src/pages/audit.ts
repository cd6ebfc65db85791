/** The audit log: who did what to what, when, from where (never a secret). */
import { api } from '../api.js';
import { formatTime, h } from '../dom.js';
import { pagedTable } from '../ui/list.js';
import { renderPage } from '../ui/page.js';

interface AuditEvent {
  id: number;
  actor: string;
  action: string;
  target: string;
  source: string | null;
  detail: Record<string, unknown>;
  created_at: number;
}

export function auditPage(main: HTMLElement): void {
  const table = pagedTable<AuditEvent>(
    'Audit events, newest first',
    [
      { label: 'Time', cell: (e) => formatTime(e.created_at) },
      { label: 'Actor', cell: (e) => h('code', {}, e.actor) },
      { label: 'Action', cell: (e) => e.action },
      { label: 'Target', cell: (e) => h('code', {}, e.target) },
      { label: 'Source', cell: (e) => e.source ?? '—' },
      { label: 'Detail', cell: (e) => (Object.keys(e.detail).length ? h('code', {}, JSON.stringify(e.detail)) : '') },
    ],
    (cursor) => api.page<AuditEvent>('/audit-events', cursor),
    'Nothing recorded yet.',
  );
  renderPage(main, 'Audit log', [], table.element);
}
