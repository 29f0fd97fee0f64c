/**
 * The operator dashboard, in the browser. Reads the routes relative to its own URL
 * (`<mount>/dashboard` → `<mount>/stats`, …), fills the page's skeleton in the reader's language,
 * and keeps the language, the range and the open user or promo in the URL's fragment, so that a
 * view can be bookmarked or sent to a colleague.
 */
import { ApiError, getJson, routeExists, routeUrl, type WireLeaderboard, type WireSettings, type WireStats } from './api.js';
import { applyTheme, dailyChart, scenesChart, sharesChart } from './charts.js';
import { type Preset, PRESETS, type Range, customRange, presetRange, rangeQuery } from './dates.js';
import { byId, el, translatePage } from './dom.js';
import { createLocale, isLanguage, type Locale, pickLanguage } from './i18n.js';
import { LANGUAGE_NAMES, LANGUAGES, type Language } from './messages.js';
import { loadNames } from './names.js';
import { showCurrencies, showLeaders, showOverview } from './overview.js';
import { loadUser, moreReferrals, showUser } from './user-view.js';
import { loadCodeJobs, retryFailedCodes, showCodeJobs } from './codes.js';
import { loadMessages, redeliverMessage, showMessages } from './webhooks.js';
import {
  hasRewards,
  loadRewards,
  moreRewards,
  readFilter,
  type RewardActions,
  type RewardFilter,
  settlePicked,
  showRewards,
} from './rewards.js';
import { useRules } from './reward-words.js';
import { loadFlagged, resolveFlags, showFlagged, type Verdict } from './review.js';

const INT32_MAX = 2_147_483_647;

interface State {
  lang: Language;
  zone: string;
  range: Range;
  /** The open user, by id or by one of their promocodes. */
  user: number | null;
  promo: string | null;
  /** What ranks the top promoters, and the currency of their revenue. */
  order: 'referrals' | 'conversions' | 'revenue';
  currency: string;
}

const state: State = {
  lang: pickLanguage(navigator.languages ?? [navigator.language]),
  zone: 'UTC',
  range: presetRange('30d'),
  user: null,
  promo: null,
  order: 'referrals',
  currency: 'CNY',
};
let locale: Locale = createLocale(state.lang, state.zone);
let features = { exports: false, webhooks: false, rewards: false, flags: false, codes: false };
let rewardFilter: RewardFilter = { status: null, userId: null };
let generation = 0;
let latest = 0;

applyTheme(state.lang);

// The sticky header (wide screens) must not cover what is scrolled to: styles.css pads by its height.
const header = document.querySelector<HTMLElement>('header.top')!;
const stickyTop = () =>
  document.documentElement.style.setProperty(
    '--sticky-top',
    `${getComputedStyle(header).position === 'sticky' ? header.offsetHeight : 0}px`,
  );
new ResizeObserver(stickyTop).observe(header);
addEventListener('resize', stickyTop);
stickyTop();

const charts = {
  daily: dailyChart(byId<HTMLCanvasElement>('chart-daily')),
  scenes: scenesChart(byId<HTMLCanvasElement>('chart-scenes')),
  shares: sharesChart(byId<HTMLCanvasElement>('chart-shares')),
  userDaily: dailyChart(byId<HTMLCanvasElement>('chart-user-daily')),
};

/** For the console and for browser tests: the Chart.js instances and the current view. */
(window as unknown as { promoTrackDashboard: unknown }).promoTrackDashboard = { charts, state };

// ---------------------------------------------------------------- language and range

const presetSelect = byId<HTMLSelectElement>('range-preset');
const firstInput = byId<HTMLInputElement>('range-first');
const lastInput = byId<HTMLInputElement>('range-last');
const languages = byId('languages');

function translate(): void {
  locale = createLocale(state.lang, state.zone);
  translatePage(locale);
  presetSelect.replaceChildren(...PRESETS.map((p) => el('option', { value: p }, locale.t(`preset.${p}`))));
  languages.replaceChildren(
    ...LANGUAGES.map((lang) => {
      const button = el('button', { type: 'button', lang, 'aria-pressed': String(lang === state.lang) }, LANGUAGE_NAMES[lang]);
      button.addEventListener('click', () => {
        if (lang === state.lang) return;
        state.lang = lang;
        translate();
        void refresh();
      });
      return button;
    }),
  );
  byId('range-zone').textContent = locale.t('range.zone', { zone: state.zone });
  byId('daily-note').textContent = locale.t('daily.note', { zone: state.zone });
  byId('footer').textContent = locale.t('footer', { zone: state.zone });
}

function showRange(): void {
  presetSelect.value = state.range.preset;
  firstInput.value = state.range.first ?? '';
  lastInput.value = state.range.last ?? '';
}

presetSelect.addEventListener('change', () => {
  const preset = presetSelect.value as Preset;
  state.range = preset === 'custom' ? customRange(firstInput.value, lastInput.value) : presetRange(preset, state.zone);
  void refresh();
});
for (const [input, moved] of [
  [firstInput, 'first'],
  [lastInput, 'last'],
] as const) {
  input.addEventListener('change', () => {
    state.range = customRange(firstInput.value, lastInput.value, moved);
    void refresh();
  });
}
byId('range').addEventListener('submit', (event) => event.preventDefault());
byId('leaders-form').addEventListener('submit', (event) => event.preventDefault());
byId<HTMLSelectElement>('leaders-order').addEventListener('change', (event) => {
  state.order = (event.currentTarget as HTMLSelectElement).value as State['order'];
  void refresh();
});
byId<HTMLSelectElement>('leaders-currency').addEventListener('change', (event) => {
  state.currency = (event.currentTarget as HTMLSelectElement).value;
  void refresh();
});

// ---------------------------------------------------------------- the fragment: #lang=zh-CN&range=30d&user=…

function readFragment(): void {
  const params = new URLSearchParams(location.hash.slice(1));
  const lang = params.get('lang');
  if (isLanguage(lang)) state.lang = lang;
  const preset = params.get('range') as Preset | null;
  if (preset === 'custom') state.range = customRange(params.get('from') ?? '', params.get('to') ?? '');
  else if (preset && PRESETS.includes(preset)) state.range = presetRange(preset, state.zone);
  else state.range = presetRange('30d', state.zone);
  const target = parseTarget(params.get('user') ?? params.get('promo') ?? '');
  state.user = target && 'user' in target ? target.user : null;
  state.promo = target && 'promo' in target ? target.promo : null;
}

function writeFragment(): void {
  const params = new URLSearchParams({ lang: state.lang, range: state.range.preset });
  if (state.range.preset === 'custom') {
    if (state.range.first) params.set('from', state.range.first);
    if (state.range.last) params.set('to', state.range.last);
  }
  if (state.promo) params.set('promo', state.promo);
  else if (state.user !== null) params.set('user', String(state.user));
  history.replaceState(null, '', `#${params}`);
}

/** Digits are a user id; letters and digits, a promocode. */
function parseTarget(text: string): { user: number } | { promo: string } | null {
  if (/^[1-9]\d{0,9}$/.test(text) && Number(text) <= INT32_MAX) return { user: Number(text) };
  if (/^[A-Za-z0-9]{1,32}$/.test(text)) return { promo: text };
  return null;
}

// ---------------------------------------------------------------- loading

async function refresh(): Promise<void> {
  const ticket = ++latest;
  document.body.dataset.busy = 'true';
  showRange();
  writeFragment();
  const query = rangeQuery(state.range, state.zone);
  try {
    const [stats, leaders, messages, rewards, flagged, codes] = await Promise.all([
      getJson<WireStats>('/stats', query),
      getJson<WireLeaderboard>('/leaderboard', {
        ...query,
        limit: 10,
        order_by: state.order === 'referrals' ? undefined : state.order,
        currency: state.currency,
      }),
      features.webhooks ? loadMessages().catch(() => null) : null,
      features.rewards ? loadRewards(rewardFilter) : null,
      features.flags ? loadFlagged() : null,
      features.codes ? loadCodeJobs().catch(() => null) : null,
    ]);
    await loadNames([...leaders.items.map((l) => l.referrer), ...(flagged?.items ?? []).flatMap((f) => [f.referrer, f.referee])]);
    if (ticket !== latest) return; // a newer view was asked for while this one loaded
    showAlert(null);
    showOverview(charts, stats, state.range, locale);
    showLeaders(leaders, state.currency, locale, openUser);
    showCurrencies(stats, state.currency);
    byId<HTMLSelectElement>('leaders-order').value = state.order;
    showExports(query);
    if (messages) showMessages(messages, locale, redeliver, openUser);
    else byId('webhooks').hidden = true;
    if (rewards) showRewards(rewards, rewardFilter, locale, rewardActions);
    if (flagged) showFlagged(flagged, locale, resolve, openUser);
    else byId('review').hidden = true;
    if (codes) showCodeJobs(codes, locale, retryCodes);
    else byId('codes').hidden = true;
    await refreshUser(ticket);
  } catch (error) {
    if (ticket === latest) showAlert(error);
  }
  if (ticket !== latest) return;
  document.body.dataset.generation = String(++generation);
  document.body.dataset.busy = 'false';
}

async function refreshUser(ticket: number): Promise<void> {
  const userView = byId('user-view');
  const message = byId('search-message');
  const target = state.promo ? { promo: state.promo } : state.user !== null ? { user: state.user } : null;
  byId<HTMLInputElement>('search-input').value = state.promo ?? (state.user === null ? '' : String(state.user));
  if (!target) {
    userView.hidden = true;
    message.textContent = '';
    return;
  }
  const data = await loadUser(target, state.range, state.zone);
  if (ticket !== latest) return;
  if (!data) {
    userView.hidden = true;
    message.textContent = locale.t('search.noPromo', { code: state.promo! });
    return;
  }
  message.textContent = '';
  showUser(data, charts.userDaily, state.range, locale, openUser);
}

function openUser(id: number): void {
  state.user = id;
  state.promo = null;
  void refresh().then(() => {
    const title = byId('user-title');
    title.tabIndex = -1;
    title.focus({ preventScroll: true });
    title.scrollIntoView({ block: 'start' });
  });
}

function showExports(query: { from?: string; to?: string }): void {
  byId('exports').hidden = !features.exports;
  byId<HTMLAnchorElement>('export-tracks').href = routeUrl('/export/tracks.csv', query);
  byId<HTMLAnchorElement>('export-referrals').href = routeUrl('/export/referrals.csv', query);
}

function resolve(referee: number, action: Verdict): void {
  resolveFlags(referee, action).then(
    () => refresh(),
    (error: unknown) => showAlert(error),
  );
}

const rewardActions: RewardActions = {
  open: (id) => openUser(id),
  done(message, error) {
    if (error !== undefined) showAlert(error);
    byId('rewards-message').textContent = message ?? '';
    if (message !== null) void refresh();
  },
};

byId<HTMLFormElement>('rewards-filter').addEventListener('submit', (event) => {
  event.preventDefault();
  rewardFilter = readFilter();
  byId('rewards-message').textContent = '';
  void refresh();
});
byId<HTMLButtonElement>('rewards-settle').addEventListener('click', () => void settlePicked(locale, rewardActions));
onMore('rewards-more', () => moreRewards(locale, rewardActions));

function redeliver(id: string): void {
  redeliverMessage(id).then(
    () => refresh(),
    (error: unknown) => showAlert(error),
  );
}

function retryCodes(): void {
  retryFailedCodes().then(
    () => refresh(),
    (error: unknown) => showAlert(error),
  );
}

function showAlert(error: unknown): void {
  const alert = byId('alert');
  if (error === null) {
    alert.hidden = true;
    return;
  }
  let message =
    error instanceof ApiError && error.status === 0 ? locale.t('error.network') : error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError && (error.status === 401 || error.status === 403)) message = locale.t('error.signIn', { message });
  alert.textContent = message;
  alert.hidden = false;
}

byId<HTMLFormElement>('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const target = parseTarget(byId<HTMLInputElement>('search-input').value.trim());
  if (!target) {
    byId('search-message').textContent = locale.t('search.invalid');
    return;
  }
  state.user = 'user' in target ? target.user : null;
  state.promo = 'promo' in target ? target.promo : null;
  void refresh();
});

onMore('referrals-more', () => moreReferrals(locale, openUser));

/** A "Load more" button: disabled while its page loads; a failure shows in the alert. */
function onMore(id: string, load: () => Promise<void>): void {
  byId<HTMLButtonElement>(id).addEventListener('click', async (event) => {
    const button = event.currentTarget as HTMLButtonElement;
    button.disabled = true;
    try {
      await load();
    } catch (error) {
      showAlert(error);
    } finally {
      button.disabled = false;
    }
  });
}

addEventListener('hashchange', () => {
  // A pasted or edited fragment (history.replaceState does not fire this).
  readFragment();
  translate();
  void refresh();
});

// ---------------------------------------------------------------- start

async function start(): Promise<void> {
  try {
    const settings = await getJson<WireSettings>('/dashboard/settings');
    state.zone = settings.time_zone;
    useRules(settings.reward_rules);
  } catch (error) {
    showAlert(error);
  }
  readFragment();
  translate();
  applyTheme(state.lang);
  // Routes of later versions: shown when this service answers them.
  const now = new Date().toISOString();
  const [exports, webhooks, rewards, flags, codes] = await Promise.all([
    routeExists('/export/tracks.csv', { from: now, to: now }),
    routeExists('/webhooks/messages', { limit: 1 }),
    hasRewards().catch(() => false),
    routeExists('/flags', { limit: 1 }),
    routeExists('/codes/jobs'),
  ]);
  features = { exports, webhooks, rewards, flags, codes };
  await refresh();
}

void start();
