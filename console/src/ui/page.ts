/** The frame of every page: its heading, its toolbar of actions, its content. */
import { h, replaceChildren, type Child } from '../dom.js';

export function renderPage(main: HTMLElement, title: string, toolbar: Child[], ...content: Child[]): void {
  document.title = `${title} · Gatehouse console`;
  const heading = h('h1', { tabindex: -1 }, title);
  replaceChildren(main, h('div', { class: 'page-head' }, heading, h('div', { class: 'toolbar' }, ...toolbar)), ...content);
  // Moving to a page moves the focus to its heading, as a page load would.
  heading.focus();
}

/** A compact list of values (scopes, grants) for a table cell. */
export const tags = (values: string[]): HTMLElement => h('ul', { class: 'tags' }, values.map((value) => h('li', {}, value)));
