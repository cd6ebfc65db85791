/**
 * Modal dialogs on the native <dialog>: the browser traps focus inside, Escape closes it, and
 * focus returns to the control that opened it.
 */
import { button, h, replaceChildren, uid, type Child } from '../dom.js';
import { SessionEnded } from '../api.js';
import { fail } from './notice.js';
import { buildForm, onSubmit, type Field } from './form.js';

export interface Dialog {
  element: HTMLDialogElement;
  body: HTMLElement;
  close(): void;
}

export function openDialog(title: string, ...content: Child[]): Dialog {
  const opener = document.activeElement as HTMLElement | null;
  const titleId = uid('dialog-title');
  const body = h('div', { class: 'dialog-body' }, ...content);
  const element = h('dialog', { 'aria-labelledby': titleId }, h('h2', { id: titleId }, title), body);
  const close = () => element.close();
  element.addEventListener('close', () => {
    element.remove();
    opener?.focus();
  });
  document.body.append(element);
  element.showModal();
  return { element, body, close };
}

/** Shows what only this moment can show (a new secret), with a Done button, in place of the form. */
export function showResult(dialog: Dialog, ...content: Child[]): void {
  const done = button('Done', () => dialog.close(), { class: 'primary' });
  replaceChildren(dialog.body, ...content, h('div', { class: 'actions' }, done));
  done.focus();
}

export interface FormDialogOptions {
  title: string;
  /** What to know before sending (what stops working), above the fields. */
  intro?: Child[];
  fields: Field[];
  values?: Record<string, unknown>;
  submitLabel: string;
  /** The submit button warns: the action cannot be undone. */
  danger?: boolean;
  /** Sends the form; may return content to show instead of closing (a secret shown once). */
  submit(values: Record<string, unknown>): Promise<Child | Child[] | void>;
}

export function formDialog(options: FormDialogOptions): Dialog {
  const form = buildForm(options.fields, options.values ?? {});
  const submit = h('button', { type: 'submit', class: options.danger ? 'danger' : 'primary' }, options.submitLabel);
  const formElement = h('form', { novalidate: true }, form.element, h('div', { class: 'actions' }, submit, button('Cancel', () => dialog.close())));
  const dialog = openDialog(options.title, ...(options.intro ?? []), formElement);
  onSubmit(formElement, form, submit, async (values) => {
    const result = await options.submit(values);
    if (result === undefined) dialog.close();
    else showResult(dialog, ...(Array.isArray(result) ? result : [result]));
  }, () => dialog.close());
  form.focusFirst();
  return dialog;
}

/** "Are you sure?" before anything that cannot be undone. */
export function confirmDialog(title: string, message: string, confirmLabel: string, action: () => Promise<void>): void {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const confirm = button(confirmLabel, () => {
    confirm.disabled = true;
    action()
      .then(() => dialog.close())
      .catch((failure: unknown) => {
        confirm.disabled = false;
        if (failure instanceof SessionEnded) {
          dialog.close();
          return fail(failure);
        }
        error.textContent = failure instanceof Error ? failure.message : String(failure);
      });
  }, { class: 'danger' });
  const cancel = button('Cancel', () => dialog.close());
  const dialog = openDialog(title, h('p', {}, message), error, h('div', { class: 'actions' }, confirm, cancel));
  // The safe choice has the focus, so Enter does not delete by accident.
  cancel.focus();
}
