/**
 * The review queue: flagged referees grouped by referrer, what their signals matched in words, and
 * "Release" / "Void" for each, each asking for a confirmation first. Shown when `GET /flags` answers
 * (older services answer 404) and something waits.
 */
import { ApiError, getJson, postJson } from './api.js';
import { byId, el } from './dom.js';
import type { Locale } from './i18n.js';
import { nameOf } from './names.js';
import { matchWords, type WireMatch } from './review-words.js';

export interface WireFlagged {
  referee: number;
  referrer: number;
  flags: string[];
  matches: WireMatch[];
  status: 'open' | 'released' | 'voided';
  at: string;
  track_id: number;
  resolved_at: string | null;
  note: string | null;
}

export interface WireFlaggedPage {
  items: WireFlagged[];
  next_cursor: string | null;
}

/** The open items (up to 500), or `null` when this service has no review routes. */
export async function loadFlagged(): Promise<WireFlaggedPage | null> {
  try {
    return await getJson<WireFlaggedPage>('/flags', { status: 'open', limit: 500 });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export type Verdict = 'release' | 'void';

export const resolveFlags = (referee: number, action: Verdict): Promise<unknown> => postJson(`/users/${referee}/flags/resolve`, { action });

const nameFor = (id: number, locale: Locale) => nameOf(id) ?? locale.t('name.user', { id });

/** Groups by referrer, the referrer with the most flagged referees first. */
export function showFlagged(
  page: WireFlaggedPage,
  locale: Locale,
  resolve: (referee: number, action: Verdict) => void,
  openUser: (id: number) => void,
): void {
  const panel = byId('review');
  panel.hidden = false;
  const groups = new Map<number, WireFlagged[]>();
  for (const item of page.items) groups.set(item.referrer, [...(groups.get(item.referrer) ?? []), item]);
  const sorted = [...groups].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
  byId('review-groups').replaceChildren(
    ...(sorted.length
      ? sorted.map(([referrer, items]) => group(referrer, items, locale, resolve, openUser))
      : [el('p', { class: 'note empty' }, locale.t('review.none'))]),
  );
}

function group(
  referrer: number,
  items: WireFlagged[],
  locale: Locale,
  resolve: (referee: number, action: Verdict) => void,
  openUser: (id: number) => void,
) {
  const who = el(
    'button',
    { type: 'button', class: 'link', 'data-user': referrer },
    locale.t('review.referrer', { name: nameFor(referrer, locale) }),
  );
  who.addEventListener('click', () => openUser(referrer));
  const rows = items.map((item) => {
    const name = nameFor(item.referee, locale);
    const user = el('button', { type: 'button', class: 'link', 'data-user': item.referee }, name);
    user.addEventListener('click', () => openUser(item.referee));
    const what = el('ul', { class: 'matches' }, ...item.matches.map((m) => el('li', { 'data-flag': m.flag }, matchWords(m, locale))));
    return el(
      'tr',
      { 'data-referee': item.referee },
      el('td', {}, user),
      el('td', {}, what),
      el('td', {}, locale.instant(item.at)),
      el('td', { class: 'verdict' }, ...buttons(item.referee, name, locale, resolve)),
    );
  });
  const head = el(
    'tr',
    {},
    ...(['review.col.user', 'review.col.what', 'review.col.when', 'review.col.action'] as const).map((k) =>
      el('th', { scope: 'col' }, locale.t(k)),
    ),
  );
  return el(
    'section',
    { class: 'review-group', 'data-referrer': referrer },
    el('h3', {}, who, ' ', el('small', {}, locale.t('review.count', { count: locale.number(items.length) }))),
    el('table', { class: 'list review' }, el('thead', {}, head), el('tbody', {}, ...rows)),
  );
}

/** "Release" and "Void"; either one first turns into a question with "Confirm" and "Cancel". */
function buttons(referee: number, name: string, locale: Locale, resolve: (referee: number, action: Verdict) => void): HTMLElement[] {
  const cell = el('span', { class: 'actions' });
  const ask = (action: Verdict) => {
    const yes = el('button', { type: 'button', class: `small ${action}`, 'data-confirm': action }, locale.t('review.confirm.yes'));
    const no = el('button', { type: 'button', class: 'small' }, locale.t('review.confirm.no'));
    yes.addEventListener('click', () => {
      yes.disabled = no.disabled = true;
      resolve(referee, action);
    });
    no.addEventListener('click', idle);
    cell.replaceChildren(
      el('span', { class: 'question', role: 'alert' }, locale.t(`review.confirm.${action}`, { name })),
      ' ',
      yes,
      ' ',
      no,
    );
    yes.focus();
  };
  function idle() {
    const release = el(
      'button',
      { type: 'button', class: 'small release', 'data-action': 'release', 'aria-label': locale.t('review.releaseOne', { name }) },
      locale.t('review.release'),
    );
    const voids = el(
      'button',
      { type: 'button', class: 'small void', 'data-action': 'void', 'aria-label': locale.t('review.voidOne', { name }) },
      locale.t('review.void'),
    );
    release.addEventListener('click', () => ask('release'));
    voids.addEventListener('click', () => ask('void'));
    cell.replaceChildren(release, ' ', voids);
  }
  idle();
  return [cell];
}
