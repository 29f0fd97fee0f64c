/** The range's overview: totals, visits per day, scenes, shares and the top promoters. */
import type { WireLeaderboard, WireStats } from './api.js';
import { COLORS, type Chart } from './charts.js';
import { eachDay, type Range } from './dates.js';
import { byId, el, fillTable, fillTiles } from './dom.js';
import type { Locale } from './i18n.js';
import { userButton } from './people.js';

/** Scenes drawn one by one; the rest are summed into one muted bar, drawn last. */
export const SCENE_BARS = 10;

type BarChart = Chart<'bar', number[], string>;

/** An empty chart says so, rather than showing bare axes. */
function markEmpty(canvas: HTMLCanvasElement, empty: boolean, locale: Locale): void {
  const box = canvas.parentElement!;
  box.dataset.empty = String(empty);
  box.dataset.emptyText = locale.t('empty.chart');
}

/** The days a chart shows: the whole range when it has ends, else the days that have data. */
function daysOf(range: Range, stats: WireStats): string[] {
  const known = stats.by_day.map((d) => d.day);
  const start = range.first ?? known[0];
  const end = range.last ?? known[known.length - 1];
  return start && end ? eachDay(start, end) : [];
}

/** Visits per day, new users under returning users, labelled with the language's short days. */
export function showDaily(chart: BarChart, stats: WireStats, range: Range, locale: Locale): void {
  const days = daysOf(range, stats);
  const byDay = new Map(stats.by_day.map((d) => [d.day, d]));
  markEmpty(chart.canvas, stats.visits === 0, locale);
  chart.options.locale = locale.lang;
  chart.data.labels = days.map((d) => locale.day(d));
  chart.data.datasets[0].label = locale.t('daily.new');
  chart.data.datasets[1].label = locale.t('daily.returning');
  chart.data.datasets[0].data = days.map((d) => byDay.get(d)?.new_user_visits ?? 0);
  chart.data.datasets[1].data = days.map((d) => {
    const entry = byDay.get(d);
    return entry ? entry.visits - entry.new_user_visits : 0;
  });
  chart.update();
}

/** `1089 · 微信聊天主界面下拉…`: the number first, then WeChat's own (Chinese) words. */
export const sceneText = (locale: Locale, scene: string, label: string | null): string =>
  `${scene} · ${label ?? locale.t('scenes.unknown')}`;

/** Fills a `tiles` block: the counts, and the conversions and their net revenue (one amount per currency). */
export function showTiles(root: HTMLElement, stats: WireStats, locale: Locale): void {
  fillTiles(root, { ...stats, conversions: stats.conversions?.count } as unknown as Record<string, unknown>, locale.number);
  const revenue = root.querySelector<HTMLElement>('[data-kpi="revenue"]');
  if (!revenue) return;
  const amounts = stats.conversions?.revenue ?? [];
  revenue.querySelector('.value')!.textContent = amounts.length ? amounts.map((r) => locale.money(r.amount, r.currency)).join(' · ') : '–';
  revenue.dataset.value = amounts.map((r) => `${r.currency}:${r.amount}`).join(' ');
}

export function showOverview(
  charts: { daily: BarChart; scenes: BarChart; shares: Chart<'doughnut', number[], string> },
  stats: WireStats,
  range: Range,
  locale: Locale,
): void {
  showTiles(byId('totals'), stats, locale);
  // Global unique visitors over closed days may be an estimate (±1%): say so.
  const unique = byId('totals').querySelector<HTMLElement>('[data-kpi="unique_visitors"]')!;
  if (stats.unique_visitors_estimated) {
    unique.querySelector('.value')!.textContent = `≈ ${locale.number(stats.unique_visitors)}`;
    unique.title = locale.t('kpi.estimated');
  } else unique.removeAttribute('title');
  showDaily(charts.daily, stats, range, locale);
  fillTable(
    byId<HTMLTableSectionElement>('table-daily'),
    stats.by_day.map((d) => [
      locale.day(d.day, 'long'),
      locale.number(d.new_user_visits),
      locale.number(d.visits - d.new_user_visits),
      locale.number(d.shares),
      locale.number(d.conversions ?? 0),
    ]),
    locale.t('empty.range'),
    5,
  );

  const top = stats.by_scene.slice(0, SCENE_BARS);
  const rest = stats.by_scene.slice(SCENE_BARS);
  const labels = top.map((s) => sceneText(locale, s.scene, s.label));
  const visits = top.map((s) => s.visits);
  if (rest.length) {
    labels.push(locale.t('scenes.other', { count: locale.number(rest.length) }));
    visits.push(rest.reduce((sum, s) => sum + s.visits, 0));
  }
  const scenes = charts.scenes;
  markEmpty(scenes.canvas, labels.length === 0, locale);
  scenes.options.locale = locale.lang;
  scenes.data.labels = labels;
  scenes.data.datasets[0].label = locale.t('col.visits');
  scenes.data.datasets[0].data = visits;
  // "Other scenes" is a sum, not a scene: muted, and always the last bar.
  scenes.data.datasets[0].backgroundColor = visits.map((_, i) => (rest.length && i === top.length ? COLORS.otherScenes : COLORS.scenes));
  // One bar needs about 28px; a phone should not squeeze ten of them into 200.
  byId('scenes-box').style.height = `${Math.max(180, labels.length * 28 + 40)}px`;
  scenes.resize();
  scenes.update();
  fillTable(
    byId<HTMLTableSectionElement>('table-scenes'),
    stats.by_scene.map((s) => [s.scene, s.label ?? locale.t('scenes.unknown'), locale.number(s.visits)]),
    locale.t('empty.range'),
    3,
  );

  const types = [0, 1, 2] as const;
  const shares = types.map((type) => stats.by_share_type.find((s) => s.share_type === type)?.shares ?? 0);
  const names = types.map((type) => `${locale.t(`share.${type}`)} (${type})`);
  markEmpty(charts.shares.canvas, stats.shares === 0, locale);
  charts.shares.options.locale = locale.lang;
  charts.shares.data.labels = names;
  charts.shares.data.datasets[0].label = locale.t('kpi.shares');
  charts.shares.data.datasets[0].data = shares;
  charts.shares.data.datasets[0].backgroundColor = COLORS.shares;
  charts.shares.update();
  fillTable(
    byId<HTMLTableSectionElement>('table-shares'),
    types.map((type) => [names[type], locale.number(shares[type])]),
    '',
    2,
  );
}

/** The top promoters; `revenue` is in `currency`, the one the ranking asked for. */
export function showLeaders(leaders: WireLeaderboard, currency: string, locale: Locale, open: (id: number) => void): void {
  fillTable(
    byId<HTMLTableSectionElement>('table-leaders'),
    leaders.items.map((entry, i) => [
      locale.number(i + 1),
      userButton(locale, entry.referrer, open),
      locale.number(entry.referrals),
      locale.number(entry.visits),
      locale.number(entry.conversions ?? 0),
      locale.money(entry.revenue ?? 0, currency),
    ]),
    locale.t('leaders.empty'),
    6,
  );
}

/** The currencies the range's revenue is in (and the one chosen), for the ranking's currency list. */
export function showCurrencies(stats: WireStats, chosen: string): void {
  const select = byId<HTMLSelectElement>('leaders-currency');
  const currencies = [...new Set([chosen, ...(stats.conversions?.revenue ?? []).map((r) => r.currency)])].sort();
  select.replaceChildren(...currencies.map((c) => el('option', { value: c, selected: c === chosen }, c)));
}
