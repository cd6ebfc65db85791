/**
 * A secret shown once (client secret, API key, token): read-only, labelled, with a Copy button,
 * and a warning that it cannot be shown again.
 */
import { button, h, uid } from '../dom.js';

export interface Shown {
  label: string;
  value: string;
  secret?: boolean;
}

async function copy(input: HTMLInputElement, status: HTMLElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    // Without the asynchronous clipboard (e.g. http on a non-loopback host), the selection path still works.
    input.select();
    document.execCommand('copy');
  }
  status.textContent = 'Copied.';
}

export function shownOnce(intro: string, values: Shown[]): HTMLElement {
  const rows = values.map(({ label, value, secret }) => {
    const id = uid('shown');
    const input = h('input', { type: 'text', id, readonly: true, value, class: secret ? 'secret' : undefined, spellcheck: 'false' });
    const status = h('span', { class: 'copied', role: 'status' });
    return h('div', { class: 'field' }, h('label', { for: id }, label), h('div', { class: 'copy-row' }, input, button('Copy', () => void copy(input, status), { 'aria-label': `Copy ${label.toLowerCase()}` }), status));
  });
  const hasSecret = values.some((v) => v.secret);
  return h(
    'div',
    { class: 'shown-once' },
    h('p', {}, intro),
    hasSecret ? h('p', { class: 'warning' }, 'Copy it now: it is shown only this once and cannot be retrieved later.') : null,
    rows,
  );
}
