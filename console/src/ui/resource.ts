/**
 * The three dialogs every managed object shares: add (POST), edit (PATCH) and delete after a
 * confirmation (DELETE), each reloading the list and announcing the outcome.
 */
import { api, segment } from '../api.js';
import type { Child } from '../dom.js';
import { confirmDialog, formDialog } from './dialog.js';
import type { Field } from './form.js';
import { notify } from './notice.js';

export interface Resource<T> {
  /** "scope", "service": in titles and announcements. */
  noun: string;
  /** The collection's path in the admin API: "/scopes". */
  path: string;
  key(item: T): string;
  label(item: T): string;
  reload(): void;
}

const url = <T>(resource: Resource<T>, item: T) => `${resource.path}/${segment(resource.key(item))}`;
const capitalised = (noun: string) => noun.charAt(0).toUpperCase() + noun.slice(1);

export function editDialog<T>(resource: Resource<T>, item: T, fields: Field[], options: { title?: string; values?: Record<string, unknown>; body?: (values: Record<string, unknown>) => unknown } = {}): void {
  formDialog({
    title: options.title ?? `Edit ${resource.noun} ${resource.label(item)}`,
    fields,
    values: options.values ?? (item as Record<string, unknown>),
    submitLabel: 'Save',
    submit: async (values) => {
      await api.patch(url(resource, item), options.body ? options.body(values) : values);
      resource.reload();
      notify(`${capitalised(resource.noun)} ${resource.label(item)} saved.`);
    },
  });
}

export function deleteDialog<T>(resource: Resource<T>, item: T, warning: string): void {
  confirmDialog(`Delete ${resource.noun} ${resource.label(item)}?`, warning, `Delete ${resource.noun}`, async () => {
    await api.delete(url(resource, item));
    resource.reload();
    notify(`${capitalised(resource.noun)} ${resource.label(item)} deleted.`);
  });
}

export interface AddOptions<T> {
  title: string;
  fields: Field[];
  values?: Record<string, unknown>;
  body?: (values: Record<string, unknown>) => unknown;
  /** What only the creation's response shows (a secret), kept on screen until Done. */
  result?: (created: T) => Child | Child[];
}

export function addDialog<T>(resource: Resource<T>, options: AddOptions<T>): void {
  formDialog({
    title: options.title,
    fields: options.fields,
    values: options.values,
    submitLabel: 'Add',
    submit: async (values) => {
      const created = await api.post<T>(resource.path, options.body ? options.body(values) : values);
      resource.reload();
      notify(`${capitalised(resource.noun)} ${resource.label(created)} added.`);
      return options.result?.(created);
    },
  });
}
