/**
 * One user, opened from a promoter's row or the search: who referred them, every attribution
 * decision about them in words, their promos and code images, the visits their codes brought in the
 * range, and the users they referred (20 at a time, "Load more" follows `next_cursor`).
 */
import {
  ApiError,
  getJson,
  type WireAttribution,
  type WireConversion,
  type WireConversionPage,
  type WirePromo,
  type WireReferral,
  type WireReferralPage,
  type WireRewardPage,
  type WireStats,
} from './api.js';
import type { Chart } from './charts.js';
import { rangeQuery, type Range } from './dates.js';
import { byId, el, fillOrAppend, fillTable, fillTiles } from './dom.js';
import type { Locale } from './i18n.js';
import { loadNames } from './names.js';
import { sceneText, showDaily, showTiles } from './overview.js';
import { userButton, userText } from './people.js';
import { nameOf } from './names.js';
import { decisionWords, money, rewardWords } from './reward-words.js';
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
  /** The conversions credited to the user in the range (the newest 20); `null` on services without conversions. */
  credited: WireConversionPage | null;
  /** The user's own entries and balance; `null` on services without the ledger. */
  rewards: WireRewardPage | null;
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
  const orNull = (error: unknown) => {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  };
  const [attribution, stats, referrals, credited, rewards] = await Promise.all([
    getJson<WireAttribution>(`/users/${userId}/attribution`),
    getJson<WireStats>('/stats', { user_id: userId, ...rangeQuery(range, zone) }),
    getJson<WireReferralPage>(`/users/${userId}/referrals`, { limit: PAGE }),
    getJson<WireConversionPage>('/conversions', { referrer: userId, limit: PAGE, ...rangeQuery(range, zone) }).catch(orNull),
    getJson<WireRewardPage>(`/users/${userId}/rewards`, { limit: 50 }).catch(orNull),
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
    ...(credited?.items ?? []).map((c) => c.user_id),
    ...(attribution.conversions ?? []).flatMap((c) => (c.referrer === null ? [] : [c.referrer])),
  ]);
  return { userId, searched, attribution, stats, referrals, promos, credited, rewards };
}

export function showUser(
  data: UserData,
  chart: Chart<'bar', number[], string>,
  range: Range,
  locale: Locale,
  open: (id: number) => void,
): void {
  const view = byId('user-view');
  view.hidden = false;
  view.dataset.user = String(data.userId);
  const name = userText(locale, data.userId);
  // `用户 王芳 #1001` with the host's name; `用户 1021` without one (the id is already the name).
  byId('user-title').replaceChildren(
    ...(nameOf(data.userId) === null ? [name] : [locale.t('user.title', { name }), ' ', el('small', {}, `#${data.userId}`)]),
  );

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
            locale.t('user.referrerVia', {
              code: referral.promocode,
              scene: sceneText(locale, referral.scene, sceneLabel(referral.scene)),
              at: locale.instant(referral.bound_at),
            }),
          ]
        : [locale.t('user.referrerNone')]),
    ),
  );

  showDecisions(data.attribution, locale);
  showUserRewards(data, name, locale);
  showPromos(data.promos, locale);
  showTiles(byId('user-totals'), data.stats, locale);
  showDaily(chart, data.stats, range, locale);
  byId('user-referrals-title').textContent = locale.t('user.referrals', { name });
  showReferrals(data.userId, data.referrals, false, locale, open);
  showConversions(data, name, locale, open);
}

/** `¥19.90`, and what refunds took back. */
const amountText = (c: WireConversion, locale: Locale) =>
  locale.money(c.amount - c.refunded_amount, c.currency) +
  (c.refunded_amount ? ` (${locale.t('conversion.refunded', { amount: locale.money(c.refunded_amount, c.currency) })})` : '');

/** The conversions credited to the user (a promoter's), and the user's own with whom each was credited to. */
function showConversions(data: UserData, name: string, locale: Locale, open: (id: number) => void): void {
  byId('user-conversions-title').textContent = locale.t('user.conversions', { name });
  fillTable(
    byId<HTMLTableSectionElement>('table-conversions'),
    (data.credited?.items ?? []).map((c) => [
      userButton(locale, c.user_id, open),
      c.type,
      c.order_id ?? '',
      amountText(c, locale),
      locale.instant(c.created_at),
    ]),
    locale.t('user.conversionsEmpty'),
    5,
  );
  byId('user-own-conversions-title').textContent = locale.t('user.ownConversions', { name });
  fillTable(
    byId<HTMLTableSectionElement>('table-own-conversions'),
    (data.attribution.conversions ?? []).map((c) => [
      c.type,
      c.order_id ?? '',
      amountText(c, locale),
      c.referrer === null ? locale.t('conversion.nobody') : userButton(locale, c.referrer, open),
      locale.instant(c.created_at),
    ]),
    locale.t('user.ownConversionsEmpty'),
    5,
  );
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
        el(
          'p',
          {},
          locale.t(`why.${d.outcome}`, {
            candidate: userText(locale, d.candidate),
            code: d.promocode,
            scene: decisionScene(locale, d.scene),
          }),
        ),
      ),
    ),
  );
}

/** `1129 · 微信爬虫场景`: the visit's own scene, as the decision names it. */
const decisionScene = (locale: Locale, scene: string | undefined) =>
  scene ? sceneText(locale, scene, sceneLabel(scene)) : locale.t('scenes.unknown');

/** The promoter's balance and entries, and every reward rule's decision on the facts they took part in. */
function showUserRewards(data: UserData, name: string, locale: Locale): void {
  const box = byId('user-rewards');
  box.hidden = data.rewards === null;
  if (!data.rewards) return;
  byId('user-rewards-title').textContent = locale.t('user.rewards', { name });
  const balance = data.rewards.balance ?? [];
  byId('user-balance').textContent = balance.length
    ? balance
        .map((b) =>
          locale.t('user.balance', {
            held: money(locale, b.held, b.currency),
            payable: money(locale, b.payable, b.currency),
            settled: money(locale, b.settled, b.currency),
          }),
        )
        .join(' / ')
    : locale.t('user.rewardsEmpty');
  byId('user-reward-list').replaceChildren(
    ...data.rewards.items.map((r) =>
      el(
        'li',
        { 'data-reward': r.id, 'data-status': r.status },
        el('span', { class: `badge reward ${r.status}` }, locale.t(`rewards.status.${r.status}`)),
        ' ',
        el('strong', { class: r.amount < 0 ? 'amount negative' : 'amount' }, money(locale, r.amount, r.currency)),
        ' ',
        el('code', {}, r.rule_id),
        el('p', {}, rewardWords(locale, r)),
      ),
    ),
  );
  const decisions = data.attribution.rewards?.decisions ?? [];
  byId('user-reward-decisions').replaceChildren(
    ...(decisions.length
      ? decisions.map((d) => {
          const fact =
            d.conversion_id === null
              ? locale.t('rewards.fact.binding', { user: d.referee == null ? '?' : userText(locale, d.referee) })
              : locale.t('rewards.fact.conversion', { id: d.conversion_id, user: d.referee == null ? '?' : userText(locale, d.referee) });
          return el(
            'li',
            { 'data-outcome': d.outcome, 'data-rule': d.rule_id },
            el('time', { datetime: d.at }, locale.instant(d.at)),
            ' ',
            locale.t('user.decisionLine', { rule: d.rule_id, fact, words: decisionWords(locale, d) }),
          );
        })
      : [el('li', { class: 'empty' }, locale.t('user.rewardDecisionsEmpty'))]),
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
        p.wxbcode
          ? el('img', { src: p.wxbcode, alt: locale.t('promo.code', { code: p.promocode }), loading: 'lazy' })
          : el('div', { class: 'no-image' }, locale.t('promo.noImage')),
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
  fillOrAppend(body, rows, append, locale.t('user.referralsEmpty'), 4);
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
