/** How a user appears on the page: the host's name where `displayName` gave one, else the id. */
import { el } from './dom.js';
import type { Locale } from './i18n.js';
import { nameOf } from './names.js';

/** Plain text: `Alice` or `user 1001` / `用户 1001`. */
export const userText = (locale: Locale, id: number): string => nameOf(id) ?? locale.t('name.user', { id });

/** `Alice #1001`, or `1001` when there is no name; `data-user` carries the id for the page's links. */
export function userTag(id: number): HTMLElement {
  const name = nameOf(id);
  return name === null
    ? el('span', { class: 'who', 'data-user': id }, String(id))
    : el('span', { class: 'who', 'data-user': id, 'data-name': name }, el('bdi', {}, name), ' ', el('small', {}, `#${id}`));
}

/** A user shown as a button that opens their view. */
export function userButton(locale: Locale, id: number, open: (id: number) => void): HTMLButtonElement {
  const button = el(
    'button',
    { type: 'button', class: 'link', title: locale.t('leaders.open', { name: userText(locale, id) }) },
    userTag(id),
  );
  button.addEventListener('click', () => open(id));
  return button;
}
