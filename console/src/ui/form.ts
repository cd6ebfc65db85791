/**
 * Forms described as data: each field knows its label, its control and how to read it back into
 * the admin API's JSON (dotted names nest: "lockout.max_failures"). Every control has a <label>
 * (or a <fieldset> with a <legend>), hints and errors are tied to it with aria-describedby, and
 * the API's field-level errors are shown next to the field they name.
 */
import { h, uid, type Child } from '../dom.js';
import { ApiError, SessionEnded, type FieldError } from '../api.js';
import { fail } from './notice.js';

export interface Option {
  label: string;
  value: unknown;
}

interface Common {
  name: string;
  label: string;
  hint?: string;
}

export type Field = Common &
  (
    | { kind: 'text' | 'password' | 'url'; required?: boolean; readonly?: boolean; autocomplete?: string; placeholder?: string }
    | { kind: 'textarea' }
    /** One item per line → string[]. */
    | { kind: 'lines' }
    /** Items separated by spaces or commas → string[]. */
    | { kind: 'words' }
    /** Empty → omitted (the API's default). */
    | { kind: 'number'; min?: number; max?: number }
    | { kind: 'checkbox' | 'switch' }
    | { kind: 'checkboxes'; options: Option[] }
    | { kind: 'select'; options: Option[] }
    /** A number or null ("Never expires", "Unlimited"): two radios and a number. */
    | { kind: 'nullable'; nullLabel: string; valueLabel: string; min?: number }
  );

export interface BuiltForm {
  element: HTMLElement;
  read(): Record<string, unknown>;
  showErrors(errors: FieldError[], fallback: string): void;
  clearErrors(): void;
  focusFirst(): void;
}

interface Control {
  field: Field;
  read(): unknown;
  error: HTMLElement;
  invalid: HTMLElement[];
}

function getPath(values: Record<string, unknown>, name: string): unknown {
  return name.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), values);
}

function setPath(target: Record<string, unknown>, name: string, value: unknown): void {
  const keys = name.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

const asNumber = (text: string): unknown => (text.trim() === '' ? undefined : Number.isFinite(Number(text)) ? Number(text) : text);
const splitLines = (text: string) => text.split('\n').map((line) => line.trim()).filter(Boolean);
const splitWords = (text: string) => text.split(/[\s,]+/).filter(Boolean);

function control(field: Field, value: unknown): { node: HTMLElement; control: Control } {
  const id = uid(`field-${field.name.replace(/\W/g, '-')}`);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const error = h('p', { class: 'field-error', id: errorId });
  const hint = field.hint ? h('p', { class: 'hint', id: hintId }, field.hint) : null;
  const describedBy = [field.hint ? hintId : '', errorId].filter(Boolean).join(' ');
  const wrap = (...children: Child[]) => h('div', { class: `field field-${field.kind}` }, ...children);

  switch (field.kind) {
    case 'checkbox':
    case 'switch': {
      const isSwitch = field.kind === 'switch';
      const input = h('input', { type: 'checkbox', id, name: field.name, checked: value === true, role: isSwitch ? 'switch' : undefined, class: isSwitch ? 'switch' : undefined, 'aria-describedby': describedBy });
      const node = wrap(h('div', { class: 'check' }, input, h('label', { for: id }, field.label)), hint, error);
      return { node, control: { field, read: () => input.checked, error, invalid: [input] } };
    }
    case 'checkboxes': {
      const chosen = new Set(Array.isArray(value) ? (value as unknown[]) : []);
      const inputs = field.options.map((option, index) => {
        const optionId = `${id}-${index}`;
        const input = h('input', { type: 'checkbox', id: optionId, name: field.name, value: String(option.value), checked: chosen.has(option.value) });
        return { input, option, node: h('div', { class: 'check' }, input, h('label', { for: optionId }, option.label)) };
      });
      const node = h('fieldset', { class: 'field', 'aria-describedby': describedBy }, h('legend', {}, field.label), hint, h('div', { class: 'choices' }, inputs.map((i) => i.node)), error);
      return { node, control: { field, read: () => inputs.filter((i) => i.input.checked).map((i) => i.option.value), error, invalid: inputs.map((i) => i.input) } };
    }
    case 'select': {
      const index = Math.max(0, field.options.findIndex((option) => option.value === value));
      const select = h('select', { id, name: field.name, 'aria-describedby': describedBy }, field.options.map((option, i) => h('option', { value: String(i) }, option.label)));
      select.selectedIndex = index;
      const node = wrap(h('label', { for: id }, field.label), hint, select, error);
      return { node, control: { field, read: () => field.options[select.selectedIndex]?.value, error, invalid: [select] } };
    }
    case 'nullable': {
      const isNull = value === null;
      const nullRadio = h('input', { type: 'radio', id: `${id}-null`, name: `${id}-mode`, checked: isNull });
      const valueRadio = h('input', { type: 'radio', id: `${id}-value`, name: `${id}-mode`, checked: !isNull });
      const number = h('input', { type: 'number', id: `${id}-number`, name: field.name, min: field.min, value: typeof value === 'number' ? String(value) : '', 'aria-describedby': describedBy });
      const sync = () => {
        number.disabled = nullRadio.checked;
      };
      nullRadio.addEventListener('change', sync);
      valueRadio.addEventListener('change', sync);
      sync();
      const node = h(
        'fieldset',
        { class: 'field field-nullable' },
        h('legend', {}, field.label),
        hint,
        h('div', { class: 'check' }, nullRadio, h('label', { for: `${id}-null` }, field.nullLabel)),
        h('div', { class: 'check' }, valueRadio, h('label', { for: `${id}-value` }, field.valueLabel)),
        h('label', { for: `${id}-number`, class: 'sub-label' }, `${field.valueLabel} (${field.label.toLowerCase()})`),
        number,
        error,
      );
      return { node, control: { field, read: () => (nullRadio.checked ? null : asNumber(number.value)), error, invalid: [number] } };
    }
    case 'textarea':
    case 'lines':
    case 'words': {
      const text = Array.isArray(value) ? value.join(field.kind === 'lines' ? '\n' : ' ') : typeof value === 'string' ? value : '';
      const input = field.kind === 'words'
        ? h('input', { type: 'text', id, name: field.name, value: text, 'aria-describedby': describedBy })
        : h('textarea', { id, name: field.name, rows: 3, 'aria-describedby': describedBy });
      if (input instanceof HTMLTextAreaElement) input.value = text;
      const read = () => (field.kind === 'lines' ? splitLines(input.value) : field.kind === 'words' ? splitWords(input.value) : input.value);
      return { node: wrap(h('label', { for: id }, field.label), hint, input, error), control: { field, read, error, invalid: [input] } };
    }
    case 'number': {
      const input = h('input', { type: 'number', id, name: field.name, min: field.min, max: field.max, value: typeof value === 'number' ? String(value) : '', 'aria-describedby': describedBy });
      return { node: wrap(h('label', { for: id }, field.label), hint, input, error), control: { field, read: () => asNumber(input.value), error, invalid: [input] } };
    }
    default: {
      const input = h('input', {
        type: field.kind,
        id,
        name: field.name,
        value: typeof value === 'string' ? value : '',
        required: field.required,
        readonly: field.readonly,
        autocomplete: field.autocomplete ?? 'off',
        placeholder: field.placeholder,
        'aria-describedby': describedBy,
      });
      const label = h('label', { for: id }, field.label, field.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null);
      return { node: wrap(label, hint, input, error), control: { field, read: () => input.value, error, invalid: [input] } };
    }
  }
}

export function buildForm(fields: Field[], values: Record<string, unknown>): BuiltForm {
  const built = fields.map((field) => control(field, getPath(values, field.name)));
  const controls = built.map((b) => b.control);
  const formError = h('p', { class: 'form-error', role: 'alert' });
  const element = h('div', { class: 'form-fields' }, formError, built.map((b) => b.node));

  const clearErrors = () => {
    formError.textContent = '';
    for (const c of controls) {
      c.error.textContent = '';
      for (const input of c.invalid) input.removeAttribute('aria-invalid');
    }
  };

  return {
    element,
    clearErrors,
    read() {
      const result: Record<string, unknown> = {};
      for (const c of controls) {
        // Read-only fields are shown, not sent (a client's name cannot change).
        if ('readonly' in c.field && c.field.readonly) continue;
        const value = c.read();
        if (value !== undefined) setPath(result, c.field.name, value);
      }
      return result;
    },
    showErrors(errors, fallback) {
      const unplaced: string[] = [];
      // A field may have several errors (one per rule it breaks): each is shown, none replaces another.
      const placed = new Map<Control, Set<string>>();
      for (const error of errors) {
        // The API names fields as paths ("lockout.max_failures", "redirect_uris[1]"): an item's
        // error goes to the control of its list.
        const name = error.field.replace(/\[\d+\]$/, '');
        const target = controls.find((c) => c.field.name === name);
        if (!target) {
          unplaced.push(`${error.field}: ${error.message}`);
          continue;
        }
        placed.set(target, (placed.get(target) ?? new Set()).add(error.message));
      }
      for (const [target, messages] of placed) {
        target.error.textContent = [...messages].join('; ');
        for (const input of target.invalid) input.setAttribute('aria-invalid', 'true');
      }
      formError.textContent = errors.length === 0 ? fallback : unplaced.length ? unplaced.join(' ') : 'Some fields need attention.';
      const first = controls.find((c) => c.error.textContent)?.invalid[0];
      first?.focus();
    },
    focusFirst() {
      const first = element.querySelector<HTMLElement>('input:not([readonly]):not([disabled]), select, textarea');
      first?.focus();
    },
  };
}

/**
 * Sends a form through the API on submit: the button is disabled while it runs, and a refusal
 * is shown on the fields it names. `ended` runs before the console asks to sign in again.
 */
export function onSubmit(element: HTMLFormElement, form: BuiltForm, submit: HTMLButtonElement, send: (values: Record<string, unknown>) => Promise<void>, ended?: () => void): void {
  element.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    form.clearErrors();
    send(form.read())
      .catch((error: unknown) => {
        if (error instanceof SessionEnded) {
          ended?.();
          return fail(error);
        }
        form.showErrors(error instanceof ApiError ? error.errors : [], error instanceof Error ? error.message : String(error));
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
}
