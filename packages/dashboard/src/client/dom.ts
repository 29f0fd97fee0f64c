/** Small DOM helpers. Data only ever reaches the page as text nodes or attributes, never as HTML. */

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

const numbers = new Intl.NumberFormat('en-US');
export const formatNumber = (n: number): string => numbers.format(n);

/** `2026-11-25T08:30:00.000Z` → `2026-11-25 08:30 UTC` (without the zone where a heading names it). */
export const formatInstant = (iso: string, zone = true): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)}${zone ? ' UTC' : ''}`;

/** Replaces a table body's rows; `empty` is shown in one row when there are none. */
export function fillTable(body: HTMLTableSectionElement, rows: Child[][], empty: string, columns: number): void {
  body.replaceChildren(
    ...(rows.length
      ? rows.map((cells) => el('tr', {}, ...cells.map((cell) => el('td', {}, cell))))
      : [el('tr', { class: 'empty' }, el('td', { colspan: columns }, empty))]),
  );
}

/** Fills the `[data-kpi]` tiles inside `root` from an object of numbers. */
export function fillTiles(root: ParentNode, values: Record<string, number>): void {
  for (const tile of Array.from(root.querySelectorAll<HTMLElement>('[data-kpi]'))) {
    const value = values[tile.dataset.kpi!];
    const output = tile.querySelector('.value')!;
    output.textContent = value === undefined ? '–' : formatNumber(value);
    tile.dataset.value = value === undefined ? '' : String(value);
  }
}
