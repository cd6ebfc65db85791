/**
 * Building DOM without HTML strings: every value is set as text or an attribute, so nothing an
 * administrator or an API response contains can become markup.
 */
export type Child = Node | string | number | null | undefined | false;
type Handler = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | Handler | null | undefined>;

let counter = 0;
/** A fresh id for pairing labels, hints and errors with their controls. */
export const uid = (prefix: string): string => `${prefix}-${++counter}`;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    // Properties, not attributes: what the control shows now, not its default.
    else if (name === 'value' || name === 'checked') (element as unknown as Record<string, unknown>)[name] = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export const button = (label: string, onclick: Handler, attrs: Attrs = {}): HTMLButtonElement => h('button', { type: 'button', ...attrs, onclick }, label);

export function formatTime(seconds: number | null | undefined, never = 'Never'): string {
  if (seconds === null || seconds === undefined) return never;
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
