/**
 * A table fed by a cursor-paginated admin API list, with "Load more" while there is a next page.
 * At phone width each row becomes a card; every cell carries its column's name for that.
 */
import { button, h, replaceChildren, type Child } from '../dom.js';
import type { Page } from '../api.js';
import { guard } from './notice.js';

export interface Column<T> {
  label: string;
  cell(item: T): Child | Child[];
}

export interface PagedTable {
  element: HTMLElement;
  reload(): void;
}

export function pagedTable<T>(caption: string, columns: Column<T>[], load: (cursor: string | null) => Promise<Page<T>>, empty: string): PagedTable {
  const body = h('tbody');
  const table = h('table', {}, h('caption', { class: 'visually-hidden' }, caption), h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))), body);
  const emptyNote = h('p', { class: 'empty', hidden: true }, empty);
  let cursor: string | null = null;
  const more = button('Load more', guard(async () => next(false)), { class: 'load-more', hidden: true });

  async function next(fresh: boolean): Promise<void> {
    more.disabled = true;
    try {
      const page = await load(fresh ? null : cursor);
      if (fresh) replaceChildren(body);
      for (const item of page.items) body.append(h('tr', {}, columns.map((c) => h('td', { 'data-label': c.label }, h('div', {}, c.cell(item))))));
      cursor = page.next_cursor;
      more.hidden = cursor === null;
      emptyNote.hidden = body.childElementCount > 0;
    } finally {
      more.disabled = false;
    }
  }

  const reload = guard(() => next(true));
  reload();
  return { element: h('div', { class: 'table-wrap' }, table, emptyNote, more), reload };
}
