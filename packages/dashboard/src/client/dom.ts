/** Small DOM helpers. Data only ever reaches the page as text nodes or attributes, never as HTML. */

import type { Locale } from './i18n.js';
import type { MessageKey } from './messages.js';

type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'object' ? child : String(child));
  }
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The dashboard page has no #${id}`);
  return node as T;
}

/** Replaces a table body's rows; `empty` is shown in one row when there are none. */
export function fillTable(body: HTMLTableSectionElement, rows: Child[][], empty: string, columns: number): void {
  body.replaceChildren(
    ...(rows.length
      ? rows.map((cells) => el('tr', {}, ...cells.map((cell) => el('td', {}, cell))))
      : [el('tr', { class: 'empty' }, el('td', { colspan: columns }, empty))]),
  );
}

/** A page of rows: appended to the table's rows, or replacing them (`empty` when there are none). */
export function fillOrAppend(body: HTMLTableSectionElement, rows: Child[][], append: boolean, empty: string, columns: number): void {
  if (!append) return fillTable(body, rows, empty, columns);
  const extra = document.createElement('tbody');
  fillTable(extra, rows, '', columns);
  body.append(...Array.from(extra.children));
}

/** Fills the `[data-kpi]` tiles inside `root` from an object of numbers, formatted by `number`. */
export function fillTiles(root: ParentNode, values: Record<string, unknown>, number: (n: number) => string): void {
  for (const tile of Array.from(root.querySelectorAll<HTMLElement>('[data-kpi]'))) {
    const value = values[tile.dataset.kpi!];
    const output = tile.querySelector('.value')!;
    output.textContent = typeof value === 'number' ? number(value) : '–';
    tile.dataset.value = typeof value === 'number' ? String(value) : '';
  }
}

/**
 * Puts the page's fixed words in `locale`'s language: `data-t="key"` sets an element's text,
 * `data-t-<attribute>="key"` one of its attributes; `<html lang>` and the title follow.
 */
export function translatePage(locale: Locale): void {
  document.documentElement.lang = locale.lang;
  document.title = locale.t('title');
  for (const node of Array.from(document.querySelectorAll<HTMLElement>('*'))) {
    for (const { name, value } of Array.from(node.attributes)) {
      if (name === 'data-t') node.textContent = locale.t(value as MessageKey);
      else if (name.startsWith('data-t-')) node.setAttribute(name.slice(7), locale.t(value as MessageKey));
    }
  }
}
