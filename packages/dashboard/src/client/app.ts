/**
 * The operator dashboard, in the browser. Reads the contract's routes relative to its own URL
 * (`<mount>/dashboard` → `<mount>/stats`, …), fills the page's skeleton and keeps the range and the
 * searched promocode in the URL's fragment, so that a view can be bookmarked or sent to a colleague.
 */
import { sceneLabel } from './scenes.js';
import { ApiError, getJson, type WireLeaderboard, type WirePromo, type WireReferralPage, type WireStats } from './api.js';
import { COLORS, applyTheme, dailyChart, scenesChart, sharesChart } from './charts.js';
import { PRESETS, type Preset, type Range, customRange, eachDay, presetRange, rangeQuery } from './dates.js';
import { byId, el, fillTable, fillTiles, formatInstant, formatNumber } from './dom.js';

const SHARE_TYPES = ['Unknown', 'Menu', 'Button'] as const;
/** Scenes drawn one by one; the rest are summed into one bar. */
const SCENE_BARS = 10;

applyTheme();
const charts = {
  daily: dailyChart(byId<HTMLCanvasElement>('chart-daily')),
  scenes: scenesChart(byId<HTMLCanvasElement>('chart-scenes')),
  shares: sharesChart(byId<HTMLCanvasElement>('chart-shares')),
  promoDaily: dailyChart(byId<HTMLCanvasElement>('chart-promo-daily')),
};

const state: { range: Range; promocode: string | null; referralsCursor: string | null } = {
  range: presetRange('30d'),
  promocode: null,
  referralsCursor: null,
};
let generation = 0;
let latest = 0;

/** For the console and for browser tests: the Chart.js instances and the current view. */
(window as unknown as { promoTrackDashboard: unknown }).promoTrackDashboard = { charts, state };

// ---------------------------------------------------------------- the range picker

const presetSelect = byId<HTMLSelectElement>('range-preset');
const firstInput = byId<HTMLInputElement>('range-first');
const lastInput = byId<HTMLInputElement>('range-last');
presetSelect.append(...PRESETS.map((p) => el('option', { value: p.value }, p.label)));

function showRange(): void {
  presetSelect.value = state.range.preset;
  firstInput.value = state.range.first ?? '';
  lastInput.value = state.range.last ?? '';
}

presetSelect.addEventListener('change', () => {
  const preset = presetSelect.value as Preset;
  state.range = preset === 'custom' ? customRange(firstInput.value, lastInput.value) : presetRange(preset);
  void refresh();
});
for (const [input, moved] of [[firstInput, 'first'], [lastInput, 'last']] as const) {
  input.addEventListener('change', () => {
    state.range = customRange(firstInput.value, lastInput.value, moved);
    void refresh();
  });
}
byId('range').addEventListener('submit', (event) => event.preventDefault());

// ---------------------------------------------------------------- the fragment: #range=30d&promo=…

function readFragment(): void {
  const params = new URLSearchParams(location.hash.slice(1));
  const preset = params.get('range') as Preset | null;
  if (preset === 'custom') state.range = customRange(params.get('from') ?? '', params.get('to') ?? '');
  else if (preset && PRESETS.some((p) => p.value === preset)) state.range = presetRange(preset);
  const promo = params.get('promo');
  state.promocode = promo && /^[A-Za-z0-9]{1,32}$/.test(promo) ? promo : null;
}

function writeFragment(): void {
  const params = new URLSearchParams({ range: state.range.preset });
  if (state.range.preset === 'custom') {
    if (state.range.first) params.set('from', state.range.first);
    if (state.range.last) params.set('to', state.range.last);
  }
  if (state.promocode) params.set('promo', state.promocode);
  history.replaceState(null, '', `#${params}`);
}

// ---------------------------------------------------------------- loading

async function refresh(): Promise<void> {
  const ticket = ++latest;
  document.body.dataset.busy = 'true';
  showRange();
  writeFragment();
  const query = rangeQuery(state.range);
  try {
    const [stats, leaders] = await Promise.all([
      getJson<WireStats>('/stats', query),
      getJson<WireLeaderboard>('/leaderboard', { ...query, limit: 10 }),
    ]);
    if (ticket !== latest) return; // a newer range was picked while this one loaded
    showAlert(null);
    showTotals(stats);
    showLeaders(leaders);
    if (state.promocode) await showPromo(state.promocode, ticket);
    else promoResult.hidden = true;
  } catch (error) {
    if (ticket === latest) showAlert(error);
  }
  if (ticket !== latest) return;
  document.body.dataset.generation = String(++generation);
  document.body.dataset.busy = 'false';
}

function showAlert(error: unknown): void {
  const alert = byId('alert');
  if (error === null) {
    alert.hidden = true;
    return;
  }
  let message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
    message = `${message} — the dashboard's data is for operators: sign in again, then reload.`;
  }
  alert.textContent = message;
  alert.hidden = false;
}

/** An empty chart says so, rather than showing bare axes. */
function markEmpty(canvas: HTMLCanvasElement, empty: boolean): void {
  canvas.parentElement!.dataset.empty = String(empty);
}

/** The days a chart shows: the whole range when it has ends, else the days that have data. */
function daysOf(stats: WireStats): string[] {
  const { first, last } = state.range;
  const known = stats.by_day.map((d) => d.day);
  const start = first ?? known[0];
  const end = last ?? known[known.length - 1];
  return start && end ? eachDay(start, end) : [];
}

function showDaily(chart: typeof charts.daily, stats: WireStats): void {
  const days = daysOf(stats);
  const byDay = new Map(stats.by_day.map((d) => [d.day, d]));
  markEmpty(chart.canvas, stats.visits === 0);
  chart.data.labels = days.map((d) => d.slice(5)); // MM-DD: the year is in the range picker
  chart.data.datasets[0].data = days.map((d) => byDay.get(d)?.new_user_visits ?? 0);
  chart.data.datasets[1].data = days.map((d) => {
    const entry = byDay.get(d);
    return entry ? entry.visits - entry.new_user_visits : 0;
  });
  chart.update();
}

function showTotals(stats: WireStats): void {
  fillTiles(byId('totals'), stats as unknown as Record<string, number>);
  showDaily(charts.daily, stats);
  fillTable(
    byId<HTMLTableSectionElement>('table-daily'),
    stats.by_day.map((d) => [d.day, formatNumber(d.new_user_visits), formatNumber(d.visits - d.new_user_visits), formatNumber(d.shares)]),
    'No visits in this range',
    4,
  );

  const top = stats.by_scene.slice(0, SCENE_BARS);
  const rest = stats.by_scene.slice(SCENE_BARS);
  const labels = top.map((s) => `${s.label ?? 'Unknown scene'} (${s.scene})`);
  const visits = top.map((s) => s.visits);
  if (rest.length) {
    labels.push(`Other scenes (${rest.length})`);
    visits.push(rest.reduce((sum, s) => sum + s.visits, 0));
  }
  markEmpty(charts.scenes.canvas, labels.length === 0);
  charts.scenes.data.labels = labels;
  charts.scenes.data.datasets[0].data = visits;
  // One bar needs about 28px; a phone should not squeeze ten of them into 200.
  byId('scenes-box').style.height = `${Math.max(180, labels.length * 28 + 40)}px`;
  charts.scenes.resize();
  charts.scenes.update();
  fillTable(
    byId<HTMLTableSectionElement>('table-scenes'),
    stats.by_scene.map((s) => [s.scene, s.label ?? '—', formatNumber(s.visits)]),
    'No visits in this range',
    3,
  );

  const shares = SHARE_TYPES.map((_, type) => stats.by_share_type.find((s) => s.share_type === type)?.shares ?? 0);
  markEmpty(charts.shares.canvas, stats.shares === 0);
  charts.shares.data.labels = SHARE_TYPES.map((name, type) => `${name} (${type})`);
  charts.shares.data.datasets[0].data = shares;
  charts.shares.data.datasets[0].backgroundColor = COLORS.shares;
  charts.shares.update();
  fillTable(
    byId<HTMLTableSectionElement>('table-shares'),
    SHARE_TYPES.map((name, type) => [`${name} (${type})`, formatNumber(shares[type])]),
    '',
    2,
  );
}

function showLeaders(leaders: WireLeaderboard): void {
  fillTable(
    byId<HTMLTableSectionElement>('table-leaders'),
    leaders.items.map((entry, i) => [
      String(i + 1),
      String(entry.referrer),
      formatNumber(entry.referrals),
      formatNumber(entry.visits),
    ]),
    'Nobody has referred anyone in this range yet',
    4,
  );
}

// ---------------------------------------------------------------- the promocode search

const promoMessage = byId('promo-message');
const promoResult = byId('promo-result');
const moreButton = byId<HTMLButtonElement>('referrals-more');

byId<HTMLFormElement>('promo-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const code = byId<HTMLInputElement>('promo-input').value.trim();
  state.promocode = code || null;
  void refresh();
});

function showPromoMessage(message: string | null): void {
  promoMessage.textContent = message ?? '';
  promoMessage.hidden = message === null;
}

async function showPromo(code: string, ticket: number): Promise<void> {
  byId<HTMLInputElement>('promo-input').value = code;
  let promo: WirePromo;
  try {
    promo = await getJson<WirePromo>(`/promos/${encodeURIComponent(code)}`);
  } catch (error) {
    if (ticket !== latest) return;
    promoResult.hidden = true;
    if (error instanceof ApiError && error.status === 404) return showPromoMessage(`No promo has the promocode “${code}”.`);
    throw error;
  }
  const [stats, referrals] = await Promise.all([
    getJson<WireStats>('/stats', { promocode: promo.promocode, ...rangeQuery(state.range) }),
    getJson<WireReferralPage>(`/users/${promo.user_id}/referrals`, { limit: 20 }),
  ]);
  if (ticket !== latest) return;
  showPromoMessage(null);
  promoResult.hidden = false;
  promoResult.dataset.promocode = promo.promocode;

  byId('promo-facts').replaceChildren(
    ...[
      ['Promocode', promo.promocode],
      ['Promoter', `user ${promo.user_id}`],
      ['Promo type', String(promo.promo_type)],
      ['App', promo.appid ?? '—'],
      ['Page', promo.page ?? '—'],
      ['Created', formatInstant(promo.created_at)],
    ].flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]),
  );
  const image = byId<HTMLImageElement>('promo-image');
  const note = byId('promo-image-note');
  if (promo.wxbcode) {
    image.src = promo.wxbcode;
    image.hidden = false;
    note.textContent = 'Mini-program code';
  } else {
    image.removeAttribute('src');
    image.hidden = true;
    note.textContent = 'No mini-program code image (WeChat is not configured, or it failed and will be retried)';
  }

  fillTiles(byId('promo-totals'), stats as unknown as Record<string, number>);
  showDaily(charts.promoDaily, stats);
  byId('promo-owner').textContent = String(promo.user_id);
  state.referralsCursor = null;
  showReferrals(promo.user_id, referrals, false);
}

function showReferrals(owner: number, page: WireReferralPage, append: boolean): void {
  const body = byId<HTMLTableSectionElement>('table-referrals');
  const rows = page.items.map((r) => [
    String(r.user_id),
    `${sceneLabel(r.scene) ?? 'Unknown scene'} (${r.scene})`,
    r.promocode,
    formatInstant(r.bound_at, false),
  ]);
  if (append) {
    const extra = document.createElement('tbody');
    fillTable(extra, rows, '', 4);
    body.append(...Array.from(extra.children));
  } else {
    fillTable(body, rows, 'Nobody has been referred by this promoter yet', 4);
  }
  state.referralsCursor = page.next_cursor;
  moreButton.hidden = page.next_cursor === null;
  moreButton.dataset.owner = String(owner);
}

moreButton.addEventListener('click', async () => {
  const owner = Number(moreButton.dataset.owner);
  if (!state.referralsCursor) return;
  moreButton.disabled = true;
  try {
    const page = await getJson<WireReferralPage>(`/users/${owner}/referrals`, { limit: 20, cursor: state.referralsCursor });
    showReferrals(owner, page, true);
  } catch (error) {
    showAlert(error);
  } finally {
    moreButton.disabled = false;
  }
});

// ---------------------------------------------------------------- start

readFragment();
void refresh();
