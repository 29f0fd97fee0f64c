/**
 * The rewards panel: totals by status, the entries with filters (status, user), and the operator's
 * two actions, each confirmed first: settle the selected payable entries (after paying them), void
 * one held or payable entry. Shown when `GET /rewards` answers (services before the ledger: 404).
 */
import { ApiError, getJson, postJson, type RewardStatus, type WireReward, type WireRewardPage } from './api.js';
import { byId, el, fillOrAppend } from './dom.js';
import type { Locale } from './i18n.js';
import { loadNames } from './names.js';
import { userButton, userText } from './people.js';
import { money, rewardWords } from './reward-words.js';

const STATUSES: RewardStatus[] = ['held', 'payable', 'settled', 'reversed', 'voided'];
const PAGE = 50;
/** Totals read at most this many entries per status (then shown with a `+`). */
const TOTAL_PAGES = 10;

export interface RewardFilter {
  status: RewardStatus | null;
  userId: number | null;
}

interface Totals {
  status: RewardStatus;
  count: number;
  more: boolean;
  /** Sum per currency. */
  sums: Map<string, number>;
}

/** Whether this service has the ledger's routes. */
export async function hasRewards(): Promise<boolean> {
  try {
    await getJson<WireRewardPage>('/rewards', { limit: 1 });
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
}

async function totalsOf(status: RewardStatus): Promise<Totals> {
  const totals: Totals = { status, count: 0, more: false, sums: new Map() };
  let cursor: string | null = null;
  for (let page = 0; page < TOTAL_PAGES; page++) {
    const res: WireRewardPage = await getJson<WireRewardPage>('/rewards', { status, limit: 500, cursor: cursor ?? undefined });
    for (const r of res.items) totals.sums.set(r.currency, (totals.sums.get(r.currency) ?? 0) + r.amount);
    totals.count += res.items.length;
    cursor = res.next_cursor;
    if (!cursor) return totals;
  }
  totals.more = true;
  return totals;
}

export interface RewardsData {
  totals: Totals[];
  page: WireRewardPage;
}

export async function loadRewards(filter: RewardFilter): Promise<RewardsData> {
  const [totals, page] = await Promise.all([
    Promise.all(STATUSES.map(totalsOf)),
    getJson<WireRewardPage>('/rewards', { limit: PAGE, status: filter.status ?? undefined, user_id: filter.userId ?? undefined }),
  ]);
  await loadNames(page.items.flatMap((r) => [r.user_id, r.referee]).filter((id): id is number => id !== null));
  return { totals, page };
}

export interface RewardActions {
  open(id: number): void;
  /** Called after a settle or void succeeded (the view reloads), or with the failure. */
  done(message: string | null, error?: unknown): void;
}

let shown: { filter: RewardFilter; cursor: string | null; rows: WireReward[] } = {
  filter: { status: null, userId: null },
  cursor: null,
  rows: [],
};

export function showRewards(data: RewardsData, filter: RewardFilter, locale: Locale, actions: RewardActions): void {
  byId('rewards').hidden = false;
  byId('rewards-totals').replaceChildren(
    ...data.totals.map((t) =>
      el(
        'div',
        { class: `tile ${t.status}`, 'data-status': t.status, 'data-count': t.count },
        el('span', { class: 'label' }, locale.t(`rewards.status.${t.status}`)),
        el(
          'span',
          { class: 'value' },
          [...t.sums].map(([currency, sum]) => money(locale, sum, currency)).join(' · ') || money(locale, 0, 'CNY'),
        ),
        el('small', {}, locale.t('rewards.count', { count: `${locale.number(t.count)}${t.more ? '+' : ''}` })),
      ),
    ),
  );
  byId<HTMLSelectElement>('rewards-status').replaceChildren(
    el('option', { value: '' }, locale.t('rewards.filter.all')),
    ...STATUSES.map((s) => el('option', { value: s, selected: s === filter.status }, locale.t(`rewards.status.${s}`))),
  );
  byId<HTMLInputElement>('rewards-user').value = filter.userId === null ? '' : String(filter.userId);
  shown = { filter, cursor: data.page.next_cursor, rows: [] };
  fillRows(data.page.items, false, locale, actions);
}

function fillRows(items: WireReward[], append: boolean, locale: Locale, actions: RewardActions): void {
  shown.rows = append ? [...shown.rows, ...items] : items;
  const body = byId<HTMLTableSectionElement>('table-rewards');
  const rows = items.map((r) => [
    r.status === 'payable'
      ? el('input', { type: 'checkbox', class: 'pick', value: r.id, 'aria-label': locale.t('rewards.select', { id: r.id }) })
      : '',
    `#${r.id}`,
    el('code', {}, r.rule_id),
    r.user_id === null ? locale.t('rewards.forgotten') : userButton(locale, r.user_id, actions.open),
    factText(locale, r),
    el('span', { class: r.amount < 0 ? 'amount negative' : 'amount' }, money(locale, r.amount, r.currency)),
    el('span', { class: `badge reward ${r.status}`, 'data-status': r.status }, locale.t(`rewards.status.${r.status}`)),
    el('span', { class: 'why' }, rewardWords(locale, r)),
    r.status === 'held' || r.status === 'payable' ? voidButton(r, locale, actions) : '',
  ]);
  fillOrAppend(body, rows, append, locale.t('rewards.empty'), 9);
  byId('rewards-more').hidden = shown.cursor === null;
  updateSettle(locale);
  for (const box of Array.from(body.querySelectorAll<HTMLInputElement>('input.pick')))
    box.addEventListener('change', () => updateSettle(locale));
}

function factText(locale: Locale, r: WireReward): string {
  const user = r.referee === null ? locale.t('rewards.forgotten') : userText(locale, r.referee);
  return r.conversion_id === null
    ? locale.t('rewards.fact.binding', { user })
    : locale.t('rewards.fact.conversion', { id: r.conversion_id, user });
}

const picked = (): number[] =>
  Array.from(document.querySelectorAll<HTMLInputElement>('#table-rewards input.pick:checked')).map((b) => Number(b.value));

function updateSettle(locale: Locale): void {
  const button = byId<HTMLButtonElement>('rewards-settle');
  const count = picked().length;
  button.textContent = locale.t('rewards.settle', { count: locale.number(count) });
  button.disabled = count === 0;
}

function voidButton(r: WireReward, locale: Locale, actions: RewardActions): HTMLButtonElement {
  const button = el('button', { type: 'button', class: 'small danger', 'data-void': r.id }, locale.t('rewards.void'));
  button.addEventListener('click', async () => {
    const note = prompt(locale.t('rewards.voidConfirm', { id: r.id, amount: money(locale, r.amount, r.currency) }), '');
    if (note === null) return; // cancelled
    button.disabled = true;
    try {
      await postJson(`/rewards/${r.id}/void`, note.trim() ? { note: note.trim().slice(0, 255) } : {});
      actions.done(locale.t('rewards.voided', { id: r.id }));
    } catch (error) {
      button.disabled = false;
      actions.done(null, error);
    }
  });
  return button;
}

/** "Settle selected": confirmed with the count and the sum, then one all-or-nothing request. */
export async function settlePicked(locale: Locale, actions: RewardActions): Promise<void> {
  const ids = picked();
  if (ids.length === 0) return;
  const chosen = shown.rows.filter((r) => ids.includes(r.id));
  const sums = new Map<string, number>();
  for (const r of chosen) sums.set(r.currency, (sums.get(r.currency) ?? 0) + r.amount);
  const amount = [...sums].map(([currency, sum]) => money(locale, sum, currency)).join(' + ');
  if (!confirm(locale.t('rewards.settleConfirm', { count: locale.number(ids.length), amount }))) return;
  try {
    await postJson('/rewards/settle', { ids });
    actions.done(locale.t('rewards.settled', { count: locale.number(ids.length) }));
  } catch (error) {
    actions.done(null, error);
  }
}

/** "Load more": the next page of the current filter. */
export async function moreRewards(locale: Locale, actions: RewardActions): Promise<void> {
  if (!shown.cursor) return;
  const { filter, cursor } = shown;
  const page = await getJson<WireRewardPage>('/rewards', {
    limit: PAGE,
    status: filter.status ?? undefined,
    user_id: filter.userId ?? undefined,
    cursor,
  });
  await loadNames(page.items.flatMap((r) => [r.user_id, r.referee]).filter((id): id is number => id !== null));
  if (shown.cursor !== cursor) return;
  shown.cursor = page.next_cursor;
  fillRows(page.items, true, locale, actions);
}

/** The filter the form asks for (an invalid user id is ignored). */
export function readFilter(): RewardFilter {
  const status = byId<HTMLSelectElement>('rewards-status').value as RewardStatus | '';
  const user = byId<HTMLInputElement>('rewards-user').value.trim();
  return { status: status || null, userId: /^[1-9]\d{0,9}$/.test(user) ? Number(user) : null };
}
