/**
 * One user, opened from a promoter's row or the search: who referred them, every attribution
 * decision about them in words, their promos and code images, the visits their codes brought in the
 * range, and the users they referred (20 at a time, "Load more" follows `next_cursor`).
 */
import { ApiError, getJson, type WireAttribution, type WirePromo, type WireReferral, type WireReferralPage, type WireStats } from './api.js';
import type { Chart } from './charts.js';
import { rangeQuery, type Range } from './dates.js';
import { byId, el, fillTable, fillTiles } from './dom.js';
import type { Locale } from './i18n.js';
import { loadNames } from './names.js';
import { sceneText, showDaily } from './overview.js';
import { userButton, userText } from './people.js';
import { sceneLabel } from './scenes.js';

const PAGE = 20;

export interface UserData {
  userId: number;
  /** The promo that was searched, if the view was opened by a promocode. */
  searched: WirePromo | null;
  attribution: WireAttribution;
  stats: WireStats;
  referrals: WireReferralPage;
  promos: WirePromo[];
}

/** Loads everything the view shows; `null` when the searched promocode does not exist. */
export async function loadUser(target: { user: number } | { promo: string }, range: Range, zone: string): Promise<UserData | null> {
  let searched: WirePromo | null = null;
  if ('promo' in target) {
    try {
      searched = await getJson<WirePromo>(`/promos/${encodeURIComponent(target.promo)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }
  const userId = searched ? searched.user_id : (target as { user: number }).user;
  const [attribution, stats, referrals] = await Promise.all([
    getJson<WireAttribution>(`/users/${userId}/attribution`),
    getJson<WireStats>('/stats', { user_id: userId, ...rangeQuery(range, zone) }),
    getJson<WireReferralPage>(`/users/${userId}/referrals`, { limit: PAGE }),
  ]);
  // The contract lists no user's promos: the searched one and those their referrals came through.
  const codes = [...new Set(referrals.items.map((r) => r.promocode))].filter((code) => code !== searched?.promocode);
  const found = await Promise.all(codes.map((code) => getJson<WirePromo>(`/promos/${encodeURIComponent(code)}`).catch(() => null)));
  const promos = [...(searched ? [searched] : []), ...found.filter((p): p is WirePromo => p !== null)];
  await loadNames([
    userId,
    ...referrals.items.map((r) => r.user_id),
    ...(attribution.referral ? [attribution.referral.referrer] : []),
    ...attribution.decisions.map((d) => d.candidate),
  ]);
  return { userId, searched, attribution, stats, referrals, promos };
}

export function showUser(data: UserData, chart: Chart<'bar', number[], string>, range: Range, locale: Locale, open: (id: number) => void): void {
  const view = byId('user-view');
  view.hidden = false;
  view.dataset.user = String(data.userId);
  const name = userText(locale, data.userId);
  byId('user-title').replaceChildren(locale.t('user.title', { name }), ' ', el('small', {}, `#${data.userId}`));

  const referral = data.attribution.referral;
  byId('user-facts').replaceChildren(
    el('dt', {}, locale.t('user.id')),
    el('dd', {}, String(data.userId)),
    el('dt', {}, locale.t('user.referrer')),
    el(
      'dd',
      { id: 'user-referrer', 'data-referrer': referral?.referrer },
      ...(referral
        ? [
            userButton(locale, referral.referrer, open),
            ' ',
            locale.t('user.referrerVia', { code: referral.promocode, scene: sceneText(locale, referral.scene, sceneLabel(referral.scene)), at: locale.instant(referral.bound_at) }),
          ]
        : [locale.t('user.referrerNone')]),
    ),
  );

  showDecisions(data.attribution, locale);
  showPromos(data.promos, locale);
  fillTiles(byId('user-totals'), data.stats as unknown as Record<string, unknown>, locale.number);
  showDaily(chart, data.stats, range, locale);
  byId('user-referrals-title').textContent = locale.t('user.referrals', { name });
  showReferrals(data.userId, data.referrals, false, locale, open);
}

function showDecisions(attribution: WireAttribution, locale: Locale): void {
  const list = byId('user-decisions');
  if (attribution.decisions.length === 0) {
    list.replaceChildren(el('li', { class: 'empty' }, locale.t('user.decisionsEmpty')));
    return;
  }
  list.replaceChildren(
    ...attribution.decisions.map((d) =>
      el(
        'li',
        { 'data-outcome': d.outcome, 'data-track': d.track_id },
        el('span', { class: `badge ${d.outcome}` }, locale.t(`outcome.${d.outcome}`)),
        ' ',
        el('time', { datetime: d.at }, locale.instant(d.at)),
        el('p', {}, locale.t(`why.${d.outcome}`, { candidate: userText(locale, d.candidate), code: d.promocode })),
      ),
    ),
  );
}

function showPromos(promos: WirePromo[], locale: Locale): void {
  const box = byId('user-promos');
  if (promos.length === 0) {
    box.replaceChildren(el('p', { class: 'note' }, locale.t('user.promosNone')));
    return;
  }
  box.replaceChildren(
    ...promos.map((p) =>
      el(
        'figure',
        { class: 'code', 'data-promocode': p.promocode },
        p.wxbcode ? el('img', { src: p.wxbcode, alt: locale.t('promo.code', { code: p.promocode }), loading: 'lazy' }) : el('div', { class: 'no-image' }, locale.t('promo.noImage')),
        el(
          'figcaption',
          {},
          el('code', {}, p.promocode),
          el('br'),
          [locale.t('promo.type', { type: p.promo_type }), p.appid, p.page].filter(Boolean).join(' · '),
          el('br'),
          locale.t('promo.created', { at: locale.instant(p.created_at) }),
        ),
      ),
    ),
  );
}

let cursor: { owner: number; next: string | null } = { owner: 0, next: null };

function showReferrals(owner: number, page: WireReferralPage, append: boolean, locale: Locale, open: (id: number) => void): void {
  const body = byId<HTMLTableSectionElement>('table-referrals');
  const rows = page.items.map((r: WireReferral) => [
    userButton(locale, r.user_id, open),
    sceneText(locale, r.scene, sceneLabel(r.scene)),
    r.promocode,
    locale.instant(r.bound_at),
  ]);
  if (append) {
    const extra = document.createElement('tbody');
    fillTable(extra, rows, '', 4);
    body.append(...Array.from(extra.children));
  } else {
    fillTable(body, rows, locale.t('user.referralsEmpty'), 4);
  }
  cursor = { owner, next: page.next_cursor };
  byId('referrals-more').hidden = page.next_cursor === null;
}

/** "Load more": the next page of the open user's referrals. */
export async function moreReferrals(locale: Locale, open: (id: number) => void): Promise<void> {
  if (!cursor.next) return;
  const { owner, next } = cursor;
  const page = await getJson<WireReferralPage>(`/users/${owner}/referrals`, { limit: PAGE, cursor: next });
  await loadNames(page.items.map((r) => r.user_id));
  if (cursor.owner === owner && cursor.next === next) showReferrals(owner, page, true, locale, open);
}

