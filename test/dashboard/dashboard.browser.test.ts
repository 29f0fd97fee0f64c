/**
 * The operator dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core),
 * served through the Express adapter's `plugins` at `/api` over a SQLite database seeded with a few
 * thousand visits over 30 days. Skipped when /usr/bin/chromium is absent (CI installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Stats, sceneLabel } from '@promo-track/core';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetRange, rangeQuery, eachDay, type Range } from '../../packages/dashboard/src/client/dates.js';
import { MESSAGES, format, type Language } from '../../packages/dashboard/src/client/messages.js';
import { COLORS } from '../../packages/dashboard/src/client/charts.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createService, type Service } from '../../service/src/app.js';
import { type Host, NAMES, OPERATOR_COOKIE, SPECIAL, startHost } from './host.js';
import { UNPUBLISHED_PAGE } from './support.js';
import { parseCsv } from './csv.js';
import { charts, drawn, redraw, rows, sceneLabels, settled, tiles } from './page-probes.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(__dirname, '../..');
const OUTPUT = join(ROOT, 'test-results', 'dashboard');
const DOCS = join(ROOT, 'docs');
/** The tracker's zone; the browser runs in another one, so the page must use the tracker's. */
const ZONE = 'Asia/Shanghai';
const WIDTHS = [360, 390, 1280, 1920] as const;
const LANGUAGES: Language[] = ['zh-CN', 'en'];
const AXE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

const ADMIN_TOKEN = 'dashboard-test-admin-token-0123456789';

const t = (lang: Language, key: keyof (typeof MESSAGES)['en'], values?: Record<string, string | number>) =>
  format(MESSAGES[lang][key], values);

describe.skipIf(!existsSync(CHROMIUM))('the dashboard in headless Chromium', () => {
  let host: Host;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  let dashboardUrl: string;
  let service: Service;
  let serviceServer: Server;
  let serviceOrigin: string;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const refused: string[] = [];
  /** Requests that failed (an aborted probe shows as net::ERR_ABORTED) while the page first loaded. */
  const failedOnFirstLoad: string[] = [];
  let firstLoad = true;

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    host = await startHost({ timeZone: ZONE });
    dashboardUrl = `${host.origin}/api/dashboard`;
    // The standalone service too, with ADMIN_TOKEN: its sign-in form's cookie must open the page's routes.
    service = createService({
      HOST: '127.0.0.1',
      DATABASE_URL: 'sqlite::memory:',
      PROMO_SALT: 'dashboard-browser-service-salt',
      ADMIN_TOKEN,
    });
    await service.tracker.migrate();
    serviceServer = createServer(service.app);
    await new Promise<void>((done) => serviceServer.listen(0, '127.0.0.1', done));
    serviceOrigin = `http://127.0.0.1:${(serviceServer.address() as AddressInfo).port}`;
    profile = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
      reducedMotion: 'reduce', // no chart animations: what is drawn is final
      colorScheme: 'light',
      locale: 'zh-CN', // a Chinese browser: the page starts in Chinese
      timezoneId: 'America/New_York', // the page must count in the tracker's days, not the browser's
      acceptDownloads: true,
    });
    await context.addCookies([{ ...OPERATOR_COOKIE, url: host.origin }]);
    // Nothing may leave this machine: every request is recorded, and any other host is refused.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requests.push(url);
      if (new URL(url).hostname === '127.0.0.1') return route.continue();
      refused.push(url);
      return route.abort();
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(`${message.text()} ${message.location().url}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    page.on('requestfailed', (request) => {
      if (firstLoad) failedOnFirstLoad.push(`${request.failure()?.errorText} ${request.url()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await host?.close();
    if (serviceServer) {
      serviceServer.closeAllConnections();
      await new Promise((done) => serviceServer.close(done));
    }
    await service?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  // ---------------------------------------------------------------- helpers

  const lang = () => page.evaluate(() => document.documentElement.lang as Language);
  const number = (l: Language, n: number) => new Intl.NumberFormat(l).format(n);
  const stateRange = () => page.evaluate((): Range => (window as any).promoTrackDashboard.state.range);
  const query = (range: Range) => {
    const q = rangeQuery(range, ZONE);
    return { from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined };
  };

  async function switchTo(l: Language): Promise<void> {
    if ((await lang()) === l) return;
    await redraw(page, () => page.click(`#languages button[lang="${l}"]`));
    expect(await lang()).toBe(l);
  }

  async function resize(width: number): Promise<void> {
    await page.setViewportSize({ width, height: 900 });
    await settled(page);
  }

  /** The overview must show exactly what the tracker answers for the page's range, in the page's language. */
  async function expectOverview(): Promise<Stats> {
    const l = await lang();
    const range = await stateRange();
    const stats = await host.tracker.stats(query(range));
    const leaders = await host.tracker.leaderboard({ ...query(range), limit: 10 });

    const shown = await tiles(page, 'totals');
    const expected = {
      visits: stats.visits,
      new_user_visits: stats.newUserVisits,
      returning_user_visits: stats.returningUserVisits,
      unique_visitors: stats.uniqueVisitors,
      referrals: stats.referrals,
      shares: stats.shares,
      conversions: stats.conversions.count,
    };
    const { revenue, ...counted } = shown;
    expect(Object.fromEntries(Object.entries(counted).map(([k, v]) => [k, v.value]))).toEqual(expected);
    const money = (r: { amount: number; currency: string }) =>
      new Intl.NumberFormat(l, { style: 'currency', currency: r.currency }).format(r.amount / 100);
    expect(revenue!.text).toBe(stats.conversions.revenue.length ? stats.conversions.revenue.map(money).join(' · ') : '–');
    for (const [kpi, value] of Object.entries(expected)) {
      const estimate = kpi === 'unique_visitors' && stats.uniqueVisitorsEstimated ? '≈ ' : '';
      expect(shown[kpi].text).toBe(estimate + number(l, value));
    }

    const c = await charts(page);
    const byDay = new Map(stats.byDay.map((d) => [d.day, d]));
    const span = range.first && range.last ? eachDay(range.first, range.last) : stats.byDay.map((d) => d.day);
    const dayFormat = new Intl.DateTimeFormat(l, { timeZone: 'UTC', month: 'short', day: 'numeric' });
    expect(c.daily.labels).toEqual(span.map((d) => dayFormat.format(Date.parse(`${d}T00:00:00Z`))));
    expect(c.daily.newUsers).toEqual(span.map((d) => byDay.get(d)?.newUserVisits ?? 0));
    expect(c.daily.returning).toEqual(span.map((d) => (byDay.get(d)?.visits ?? 0) - (byDay.get(d)?.newUserVisits ?? 0)));

    const top = stats.byScene.slice(0, 10);
    const rest = stats.byScene.slice(10);
    expect(c.scenes.labels.slice(0, 10)).toEqual(top.map((s) => `${s.scene} · ${s.label ?? t(l, 'scenes.unknown')}`));
    if (rest.length) expect(c.scenes.labels[10]).toBe(t(l, 'scenes.other', { count: number(l, rest.length) }));
    // "Other scenes" is the last bar, muted; every scene's own bar has the scene colour.
    const colors = await page.evaluate(
      () => (window as any).promoTrackDashboard.charts.scenes.data.datasets[0].backgroundColor as string[],
    );
    expect(colors).toEqual(
      c.scenes.labels.map((_, i) => (rest.length && i === c.scenes.labels.length - 1 ? COLORS.otherScenes : COLORS.scenes)),
    );
    expect(c.scenes.visits).toEqual([...top.map((s) => s.visits), ...(rest.length ? [rest.reduce((n, s) => n + s.visits, 0)] : [])]);
    expect(c.scenes.visits.reduce((a, b) => a + b, 0)).toBe(stats.visits);
    // The Data table holds every scene, with WeChat's whole label.
    expect(await rows(page, 'table-scenes')).toEqual(
      stats.byScene.map((s) => [s.scene, s.label ?? t(l, 'scenes.unknown'), number(l, s.visits)]),
    );

    expect(c.shares.shares).toEqual([0, 1, 2].map((type) => stats.byShareType.find((s) => s.shareType === type)?.shares ?? 0));

    const promoters = leaders.map((e) => (NAMES.has(e.referrerId) ? `${NAMES.get(e.referrerId)} #${e.referrerId}` : String(e.referrerId)));
    expect(await rows(page, 'table-leaders')).toEqual(
      leaders.map((e, i) => [
        number(l, i + 1),
        promoters[i],
        number(l, e.referrals),
        number(l, e.visits),
        number(l, e.conversions),
        money({ amount: e.revenue, currency: 'CNY' }),
      ]),
    );
    return stats;
  }

  /** Every scene label starts with its number, is whole or cut at its end, and is drawn inside the chart. */
  async function expectSceneLabelsFit(width: number): Promise<void> {
    const layout = await sceneLabels(page);
    expect(layout.labels.length).toBeGreaterThan(5);
    for (const label of layout.labels) {
      expect(label.drawn, `${width}px: "${label.tick}" was not drawn`).toBe(label.tick);
      if (label.tick.endsWith('…')) expect(label.full.startsWith(label.tick.slice(0, -1)), `${label.tick} / ${label.full}`).toBe(true);
      else expect(label.tick).toBe(label.full);
      const scene = /^(\d+) · /.exec(label.full)?.[1];
      if (scene) expect(label.tick.startsWith(`${scene} · `), `${width}px: "${label.tick}" lost its scene number`).toBe(true);
      // Inside the canvas and the y axis' own box, left of the bars, between the chart's top and bottom.
      expect(label.left, `${width}px: "${label.tick}" starts left of the chart`).toBeGreaterThanOrEqual(0);
      expect(label.left).toBeGreaterThanOrEqual(layout.scale.left - 0.5);
      expect(label.right).toBeLessThanOrEqual(layout.area.left + 0.5);
      expect(label.top).toBeGreaterThanOrEqual(0);
      expect(label.bottom).toBeLessThanOrEqual(layout.chartHeight);
    }
    // At least the top scene's number and the start of its words are readable at every width.
    expect(layout.labels[0].tick.length).toBeGreaterThanOrEqual(layout.labels[0].full.indexOf(' · ') + 5);
  }

  async function expectNoSidewaysScroll(width: number): Promise<void> {
    const sticking = await page.evaluate(() =>
      Array.from(document.querySelectorAll('body *'))
        .filter((n) => n.getBoundingClientRect().right > window.innerWidth + 0.5 && n.closest('[hidden], details:not([open])') === null)
        .map((n) => `${n.tagName.toLowerCase()}#${n.id}.${n.className}`),
    );
    expect(sticking, `${width}px`).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  }

  const decisions = () =>
    page.$$eval('#user-decisions li[data-outcome]', (items) =>
      items.map((li) => ({
        outcome: (li as HTMLElement).dataset.outcome!,
        badge: li.querySelector('.badge')!.textContent,
        why: li.querySelector('p')!.textContent,
      })),
    );

  async function openUser(input: string): Promise<void> {
    await page.fill('#search-input', input);
    await redraw(page, () => page.click('#search-form button'));
  }

  /** axe-core's violations of every impact: none serious or critical may appear (and none does today). */
  async function axe(label: string): Promise<void> {
    // Through the DevTools protocol, which the page's Content-Security-Policy does not cover.
    await page.evaluate(AXE);
    const result = await page.evaluate(() => (window as any).axe.run(document, { resultTypes: ['violations'] }));
    const summary = result.violations.map(
      (v: any) =>
        `${v.id} (${v.impact}): ${v.nodes
          .map((n: any) => n.target.join(' '))
          .slice(0, 5)
          .join(', ')}`,
    );
    expect(
      summary.filter((line: string) => /\((serious|critical)\)/.test(line)),
      label,
    ).toEqual([]);
    expect(summary, label).toEqual([]);
  }

  // ---------------------------------------------------------------- the tests

  it('opens in the browser’s language (zh-CN here), with every fixed word translated and <html lang> set', async () => {
    const response = await page.goto(dashboardUrl);
    expect(response?.status()).toBe(200);
    await drawn(page, 0);
    firstLoad = false;
    expect(failedOnFirstLoad, 'no request of the first load was aborted or failed').toEqual([]);
    // A declared icon, inline: the browser asks the host for no /favicon.ico.
    expect(await page.getAttribute('link[rel="icon"]', 'href')).toMatch(/^data:image\/svg\+xml,/);
    expect(requests.filter((url) => new URL(url).pathname.endsWith('/favicon.ico'))).toEqual([]);
    expect(await lang()).toBe('zh-CN');
    expect(await page.title()).toBe(MESSAGES['zh-CN'].title);
    expect(page.url()).toContain('lang=zh-CN');
    // Every `data-t` element reads in Chinese, none is left in English.
    const untranslated = await page.$$eval('[data-t]', (nodes) => nodes.map((n) => [(n as HTMLElement).dataset.t!, n.textContent!]));
    for (const [key, text] of untranslated) expect(text, key).toBe(MESSAGES['zh-CN'][key as keyof (typeof MESSAGES)['en']]);
    expect(await page.textContent('#range-zone')).toBe(t('zh-CN', 'range.zone', { zone: ZONE }));
    // The promoters' names come from the host's displayName, asked in one batch per view.
    expect(await page.textContent('#table-leaders')).toContain(NAMES.get(1001)!);
    expect(host.nameCalls.calls).toBeGreaterThan(0);
    expect(host.nameCalls.largest).toBeLessThanOrEqual(200);

    // The switch: English, kept in the URL across a reload.
    await switchTo('en');
    expect(page.url()).toContain('lang=en');
    expect(await page.textContent('#scenes-title')).toContain('Visits by launch scene');
    await page.reload();
    await drawn(page, 0);
    expect(await lang()).toBe('en');
    await switchTo('zh-CN');
  });

  it('shows the numbers of tracker.stats() and whole-or-cut scene labels inside the chart at 360–1920 px, in both languages', async () => {
    const range = await stateRange();
    expect(range).toEqual(presetRange('30d', ZONE));
    for (const l of LANGUAGES) {
      await switchTo(l);
      const stats = await expectOverview();
      expect(stats.visits).toBeGreaterThan(2500);
      expect(stats.byScene.some((s) => s.scene === '1129')).toBe(false); // the crawler is not counted
      for (const width of WIDTHS) {
        await resize(width);
        await expectSceneLabelsFit(width);
        await expectNoSidewaysScroll(width);
        await page.locator('#scenes-box').screenshot({ path: join(OUTPUT, `scenes-${l}-${width}.png`) });
      }
    }
    // Hovering a bar shows its whole label.
    await resize(390);
    await page.locator('#chart-scenes').scrollIntoViewIfNeeded();
    const labels = (await charts(page)).scenes.labels;
    const bar = await page.evaluate(() => {
      const chart = (window as any).promoTrackDashboard.charts.scenes;
      const element = chart.getDatasetMeta(0).data[0];
      const box = chart.canvas.getBoundingClientRect();
      return { x: box.left + (element.base + element.x) / 2, y: box.top + element.y };
    });
    await page.mouse.move(bar.x, bar.y);
    await expect.poll(() => page.evaluate(() => (window as any).promoTrackDashboard.charts.scenes.tooltip.title?.[0])).toBe(labels[0]);
    await page.mouse.move(0, 0);
    await resize(1280);
  });

  it('changes every chart when the range changes, in the tracker’s days', async () => {
    await redraw(page, () => page.selectOption('#range-preset', '7d'));
    expect((await charts(page)).daily.labels).toHaveLength(7);
    expect(page.url()).toContain('range=7d');
    const week = await expectOverview();

    const last = host.seeded.last;
    await redraw(page, () => page.fill('#range-first', eachDay(host.seeded.first, last)[9]));
    await redraw(page, () => page.fill('#range-last', eachDay(host.seeded.first, last)[19]));
    expect(await page.inputValue('#range-preset')).toBe('custom');
    expect((await expectOverview()).visits).not.toBe(week.visits);

    // A range without data says so on every chart.
    await redraw(page, () => page.fill('#range-last', '2020-01-07'));
    await redraw(page, () => page.fill('#range-first', '2020-01-01'));
    expect((await expectOverview()).visits).toBe(0);
    expect(await page.$$eval('.chart[data-empty="true"]', (n) => n.length)).toBe(3);

    await redraw(page, () => page.selectOption('#range-preset', '30d'));
    await expectOverview();
  });

  it('explains each attribution decision in words, in both languages (bound, kept, self, cycle, excluded_scene, returning_user)', async () => {
    const cases: [number, string[]][] = [
      [SPECIAL.bound, ['bound', 'kept']],
      [SPECIAL.self, ['self']],
      [SPECIAL.cycleTop, ['cycle']],
      [SPECIAL.cycleChild, ['bound']],
      [SPECIAL.crawler, ['excluded_scene']],
      [SPECIAL.returning, ['returning_user', 'returning_user']],
    ];
    for (const l of LANGUAGES) {
      await switchTo(l);
      for (const [user, outcomes] of cases) {
        await openUser(String(user));
        const explained = await host.tracker.explainReferral(user);
        expect(explained.decisions.map((d) => d.outcome)).toEqual(outcomes);
        const shown = await decisions();
        expect(shown.map((d) => d.outcome)).toEqual(outcomes);
        shown.forEach((d, i) => {
          const decision = explained.decisions[i];
          const candidate = NAMES.get(decision.candidateId) ?? t(l, 'name.user', { id: decision.candidateId });
          expect(d.badge).toBe(t(l, `outcome.${decision.outcome}`));
          const scene = `${decision.scene} · ${sceneLabel(decision.scene) ?? t(l, 'scenes.unknown')}`;
          expect(d.why).toBe(t(l, `why.${decision.outcome}`, { candidate, code: decision.promocode, scene }));
          // The excluded scene named is the visit's own (the crawler's 1129 here), not an example.
          if (decision.outcome === 'excluded_scene') expect(d.why).toContain('1129 · ');
        });
        // Their own referrer, by name where the host has one.
        const referral = explained.referral;
        const referrer = await page.getAttribute('#user-referrer', 'data-referrer');
        expect(referrer).toBe(referral ? String(referral.referrerId) : null);
        if (!referral) expect(await page.textContent('#user-referrer')).toBe(t(l, 'user.referrerNone'));
      }
    }
    // The cycle names both users by the host's names.
    await openUser(String(SPECIAL.cycleTop));
    expect(await page.textContent('#user-decisions')).toContain(NAMES.get(SPECIAL.cycleChild)!);
    expect(await page.textContent('#user-title')).toContain(NAMES.get(SPECIAL.cycleTop)!);
    expect(await page.textContent('#user-referrer')).toContain(t('en', 'user.referrerNone'));
    await openUser(String(SPECIAL.cycleChild));
    expect(await page.textContent('#user-referrer')).toContain(NAMES.get(SPECIAL.cycleTop)!);
  });

  it('opens a promoter from the leaderboard: promos with code images, totals, daily chart, referrals paged', async () => {
    await switchTo('zh-CN');
    const range = await stateRange();
    const [leader] = await host.tracker.leaderboard({ ...query(range), limit: 1 });
    await redraw(page, () => page.click(`#table-leaders [data-user="${leader.referrerId}"]`));
    expect(await page.getAttribute('#user-view', 'data-user')).toBe(String(leader.referrerId));
    expect(page.url()).toContain(`user=${leader.referrerId}`);

    const stats = await host.tracker.stats({ userId: leader.referrerId, ...query(range) });
    const shown = await tiles(page, 'user-totals');
    expect(shown.visits.value).toBe(stats.visits);
    expect(shown.referrals.value).toBe(stats.referrals);
    expect(shown.new_user_visits.text).toBe(number('zh-CN', stats.newUserVisits));
    const { userDaily } = await charts(page);
    expect(userDaily.newUsers.reduce((a, b) => a + b, 0)).toBe(stats.newUserVisits);
    expect(userDaily.returning.reduce((a, b) => a + b, 0)).toBe(stats.returningUserVisits);

    // Their promo, with the code image the tracker stored, from this origin.
    const promo = host.seeded.promos.find((p) => p.userId === leader.referrerId)!;
    const stored = (await host.tracker.findPromo(promo.promocode))!;
    const image = page.locator(`#user-promos figure[data-promocode="${promo.promocode}"] img`);
    expect(await image.getAttribute('src')).toBe(stored.wxbcode);
    await expect.poll(() => image.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);

    const first = await host.tracker.listReferrals(leader.referrerId, { limit: 20 });
    const ids = await page.$$eval('#table-referrals [data-user]', (n) => n.map((e) => Number((e as HTMLElement).dataset.user)));
    expect(ids).toEqual(first.items.map((r) => r.userId));
    expect(await page.isVisible('#referrals-more')).toBe(true);
    const second = await host.tracker.listReferrals(leader.referrerId, { limit: 20, cursor: first.nextCursor! });
    await page.click('#referrals-more');
    await expect.poll(async () => (await rows(page, 'table-referrals')).length).toBe(20 + second.items.length);

    // A promocode finds its promoter too; an unknown one says so.
    await openUser('NoSuchCode123');
    expect(await page.textContent('#search-message')).toBe(t('zh-CN', 'search.noPromo', { code: 'NoSuchCode123' }));
    expect(await page.isHidden('#user-view')).toBe(true);
    await openUser(promo.promocode);
    expect(await page.getAttribute('#user-view', 'data-user')).toBe(String(leader.referrerId));
    expect(page.url()).toContain(`promo=${promo.promocode}`);
  });

  it('at 1440 px, a promoter opened from the ranking shows its heading, id and referrer below the sticky header', async () => {
    await switchTo('zh-CN');
    await resize(1440);
    await page.evaluate(() => window.scrollTo(0, 0));
    const range = await stateRange();
    const [, second] = await host.tracker.leaderboard({ ...query(range), limit: 2 });
    await redraw(page, () => page.click(`#table-leaders [data-user="${second.referrerId}"]`));
    await page.waitForFunction(() => window.scrollY > 0); // it scrolled to the user view
    await page.waitForTimeout(100);
    const layout = await page.evaluate(() => {
      const header = document.querySelector('header.top')!.getBoundingClientRect();
      const box = (id: string) => document.getElementById(id)!.getBoundingClientRect();
      return {
        position: getComputedStyle(document.querySelector('header.top')!).position,
        header: header.bottom,
        title: box('user-title'),
        facts: box('user-facts'),
        height: innerHeight,
      };
    });
    expect(layout.position).toBe('sticky');
    expect(layout.title.top, 'the heading is not under the sticky header').toBeGreaterThanOrEqual(layout.header);
    expect(layout.facts.top).toBeGreaterThan(layout.title.top);
    expect(layout.facts.bottom, 'id and referrer are on screen').toBeLessThanOrEqual(layout.height);
    await page.screenshot({ path: join(OUTPUT, 'newuser-user-view-zh-CN-1440.png') });
    await resize(1280);
  });

  it('titles a user without a display name once: “用户 1004”, not “用户 用户 1004”; with one, “用户 王芳 #1001”', async () => {
    const unnamed = host.seeded.promos.map((p) => p.userId).find((id) => !NAMES.has(id))!;
    for (const l of LANGUAGES) {
      await switchTo(l);
      await openUser(String(unnamed));
      expect(await page.textContent('#user-title')).toBe(t(l, 'name.user', { id: unnamed }));
      await openUser('1001');
      expect(await page.textContent('#user-title')).toBe(`${t(l, 'user.title', { name: NAMES.get(1001)! })} #1001`);
    }
    await switchTo('zh-CN');
  });

  it('writes each share type’s number on its arc of the donut, in the page’s language', async () => {
    await redraw(page, () => page.selectOption('#range-preset', '30d'));
    const stats = await host.tracker.stats(query(await stateRange()));
    const drawnTexts = await page.evaluate(() => {
      const chart = (window as any).promoTrackDashboard.charts.shares;
      const texts: { text: string; x: number; y: number }[] = [];
      const fillText = chart.ctx.fillText;
      chart.ctx.fillText = function (text: string, x: number, y: number) {
        const m = chart.ctx.getTransform();
        texts.push({ text, x: (m.a * x + m.e) / chart.currentDevicePixelRatio, y: (m.d * y + m.f) / chart.currentDevicePixelRatio });
        return fillText.apply(this, arguments as any);
      };
      try {
        chart.draw();
      } finally {
        chart.ctx.fillText = fillText;
      }
      const area = chart.chartArea;
      return texts.filter((t) => t.x > area.left && t.x < area.right && t.y > area.top && t.y < area.bottom).map((t) => t.text);
    });
    const counts = stats.byShareType.filter((s) => s.shares > 0).map((s) => number('zh-CN', s.shares));
    expect(counts.length).toBe(3);
    expect([...drawnTexts].sort()).toEqual([...counts].sort());
  });

  it('shows conversions and net revenue, ranks promoters by revenue, and lists a promoter’s credited conversions', async () => {
    await switchTo('zh-CN');
    const range = await stateRange();
    // The third promoter by referrals brings the most revenue: two orders of their referred users, one partly refunded.
    const [, , third] = await host.tracker.leaderboard({ ...query(range), limit: 3 });
    const referred = (await host.tracker.listReferrals(third.referrerId, { limit: 2 })).items.map((r) => r.userId);
    const big = await host.tracker.recordConversion({
      userId: referred[0]!,
      type: 'first_order',
      orderId: `dash-${referred[0]}`,
      amount: 9_999_900,
    });
    await host.tracker.recordConversion({ userId: referred[1]!, type: 'first_order', orderId: `dash-${referred[1]}`, amount: 500_000 });
    await host.tracker.refundConversion({ conversionId: big.id }, { refundId: 'dash-r1', amount: 99_900 });
    await redraw(page, () => page.selectOption('#leaders-order', 'revenue'));
    const stats = await host.tracker.stats(query(range));
    const shown = await tiles(page, 'totals');
    expect(shown.conversions.value).toBe(stats.conversions.count);
    const money = (minor: number) => new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY' }).format(minor / 100);
    expect(shown.revenue.text).toBe(money(stats.conversions.revenue.find((r) => r.currency === 'CNY')!.amount));
    const [leader] = await host.tracker.leaderboard({ ...query(range), limit: 1, orderBy: 'revenue' });
    expect(leader!.referrerId).toBe(third.referrerId);
    const [firstRow] = await rows(page, 'table-leaders');
    expect(firstRow!.slice(4)).toEqual([number('zh-CN', leader!.conversions), money(leader!.revenue)]);
    expect(await page.getAttribute('#table-leaders tr:first-child [data-user]', 'data-user')).toBe(String(third.referrerId));

    await redraw(page, () => page.click(`#table-leaders [data-user="${third.referrerId}"]`));
    const credited = await rows(page, 'table-conversions');
    expect(credited).toHaveLength(2);
    expect(credited.map((r) => r[1])).toEqual(['first_order', 'first_order']);
    expect(
      credited.some(
        (r) => r[3]!.startsWith(money(9_900_000)) && r[3]!.includes(t('zh-CN', 'conversion.refunded', { amount: money(99_900) })),
      ),
    ).toBe(true);
    await redraw(page, () => page.selectOption('#leaders-order', 'referrals'));
  });

  it("downloads the range's tracks and referrals as CSV", async () => {
    const range = await stateRange();
    const q = rangeQuery(range, ZONE);
    const probe = await fetch(`${host.origin}/api/export/tracks.csv?from=${q.from}&to=${q.from}`, {
      headers: { cookie: `${OPERATOR_COOKIE.name}=${OPERATOR_COOKIE.value}` },
    });
    await probe.body?.cancel();
    expect(probe.status).toBe(200);
    expect(await page.isVisible('#exports')).toBe(true);
    const download = async (id: string) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
      return parseCsv(readFileSync((await file.path())!, 'utf8'));
    };
    const tracks = await download('export-tracks');
    expect(tracks.bom).toBe(true);
    const expectedTracks: number[] = [];
    for await (const track of host.tracker.exportTracks(query(range))) expectedTracks.push(track.id);
    expect(expectedTracks.length).toBeGreaterThan(1000);
    expect(tracks.rows.map((r) => Number(r.id))).toEqual(expectedTracks);

    const referrals = await download('export-referrals');
    const expectedReferrals: number[] = [];
    for await (const referral of host.tracker.exportReferrals(query(range))) expectedReferrals.push(referral.userId);
    expect(referrals.rows.map((r) => Number(r.user_id))).toEqual(expectedReferrals);
  });

  it('lists pending and failed webhook messages with the last error, and redelivers a failed one', async () => {
    await switchTo('en');
    await resize(1280);
    // No message yet (the endpoint wants only user.forgotten): no panel.
    expect((await host.tracker.listWebhookMessages()).items).toEqual([]);
    expect(await page.isHidden('#webhooks')).toBe(true);
    // user.forgotten for users who never existed: messages, and no change to any number.
    host.receiver.answer = () => 500;
    await host.tracker.forgetUser(990_001);
    let now = Date.now() + 1000; // the sender's clock, set after the message is written so that it is due
    const sender = host.tracker.startWebhookDelivery({ now: () => now, pollMs: 10 });
    for (let attempt = 1; attempt <= 8; attempt++) {
      await expect
        .poll(async () => (await host.tracker.listWebhookMessages()).items[0]?.attempts, { timeout: 5000, interval: 20 })
        .toBe(attempt);
      const [message] = (await host.tracker.listWebhookMessages()).items;
      if (message.nextAttemptAt) now = message.nextAttemptAt.getTime();
    }
    await sender.stop();
    await host.tracker.forgetUser(990_002);
    const [failed] = (await host.tracker.listWebhookMessages({ status: 'failed' })).items;
    const [pending] = (await host.tracker.listWebhookMessages({ status: 'pending' })).items;
    expect(failed).toMatchObject({ type: 'user.forgotten', attempts: 8, lastError: 'HTTP 500' });
    expect(pending).toMatchObject({ type: 'user.forgotten', attempts: 0 });

    await redraw(page, () => page.selectOption('#range-preset', '30d'));
    expect(await page.isVisible('#webhooks')).toBe(true);
    expect(await page.textContent('#webhooks-pending')).toBe('1');
    expect(await page.textContent('#webhooks-failed')).toBe('1');
    expect(await page.textContent('#webhooks-error')).toBe('Last error: the endpoint answered HTTP 500');
    expect(await page.getAttribute('#webhooks-error-text [data-error]', 'title')).toBe('HTTP 500');
    const next = (l: Language) =>
      new Intl.DateTimeFormat(l, { timeZone: ZONE, dateStyle: 'medium', timeStyle: 'short' }).format(pending.nextAttemptAt!);
    expect(await rows(page, 'table-webhooks')).toEqual([
      ['User forgotten', '990001', 'failedRedeliver', '8', 'none', 'the endpoint answered HTTP 500'],
      ['User forgotten', '990002', 'pending', '0', next('en'), '—'],
    ]);
    await page.locator('#webhooks').screenshot({ path: join(OUTPUT, 'webhooks-en.png') });

    // In Chinese: event names and errors in words, a full-width colon, every column on a phone.
    await switchTo('zh-CN');
    expect(await page.textContent('#webhooks-error')).toBe('最近错误：接收端返回 HTTP 500');
    expect(await rows(page, 'table-webhooks')).toEqual([
      ['用户数据已删除', '990001', '失败重新发送', '8', '无', '接收端返回 HTTP 500'],
      ['用户数据已删除', '990002', '待发送', '0', next('zh-CN'), '—'],
    ]);
    expect(await page.$$eval('#webhooks thead th', (ths) => ths.map((th) => th.textContent))).toEqual(
      [
        'webhooks.col.event',
        'webhooks.col.user',
        'webhooks.col.status',
        'webhooks.col.attempts',
        'webhooks.col.next',
        'webhooks.lastError',
      ].map((k) => MESSAGES['zh-CN'][k as 'webhooks.lastError']),
    );
    await resize(1440);
    await page.locator('#webhooks').screenshot({ path: join(OUTPUT, 'newuser-webhooks-zh-CN-1440.png') });
    await resize(390);
    await expectNoSidewaysScroll(390);
    // Every cell shows, labelled with its column, inside the screen.
    const cells = await page.$$eval('#table-webhooks td', (tds) =>
      tds.map((td) => {
        const box = td.getBoundingClientRect();
        return { label: getComputedStyle(td, '::before').content, shown: box.width > 0 && box.height > 0, right: box.right };
      }),
    );
    expect(cells).toHaveLength(12);
    for (const cell of cells) {
      expect(cell.shown).toBe(true);
      expect(cell.right).toBeLessThanOrEqual(390);
      expect(cell.label).not.toBe('none');
    }
    await page.locator('#webhooks').screenshot({ path: join(OUTPUT, 'newuser-webhooks-zh-CN-390.png') });
    await resize(1280);
    await switchTo('en');
    await redraw(page, () => page.click(`#table-webhooks button[data-message="${failed.id}"]`));
    expect((await host.tracker.listWebhookMessages({ status: 'failed' })).items).toEqual([]);
    expect((await host.tracker.listWebhookMessages({ status: 'pending' })).items.map((m) => m.id).sort()).toEqual(
      [failed.id, pending.id].sort(),
    );
    expect(await page.textContent('#webhooks-pending')).toBe('2');
    expect(await page.textContent('#webhooks-failed')).toBe('0');
  });

  it('shows the code images: progress, failures by errcode in words (Chinese and English), and retries the failed ones', async () => {
    if (!page.url().startsWith(dashboardUrl)) {
      await page.goto(dashboardUrl);
      await drawn(page, 0);
    }
    await resize(1280);
    // 5 codes for a page the released version lacks (41030), 12 more still waiting for the worker.
    const base = 950_000;
    await host.tracker.pregenerateCodes({ userIds: Array.from({ length: 5 }, (_, i) => base + i), page: UNPUBLISHED_PAGE });
    const worker = host.tracker.startWorker({ pollMs: 10 });
    await expect.poll(async () => (await host.tracker.codeJobs()).failed, { timeout: 10_000, interval: 20 }).toBe(5);
    await worker.stop();
    await host.tracker.pregenerateCodes({ userIds: Array.from({ length: 12 }, (_, i) => base + 100 + i) });
    const jobs = await host.tracker.codeJobs();
    expect(jobs).toMatchObject({ pending: 12, failed: 5, failures: [{ errcode: 41030, count: 5 }] });

    for (const l of LANGUAGES) {
      await switchTo(l);
      await redraw(page, () => page.selectOption('#range-preset', '30d'));
      expect(await page.isVisible('#codes')).toBe(true);
      expect(await page.textContent('#codes-pending')).toBe(number(l, 12));
      expect(await page.textContent('#codes-done')).toBe(number(l, jobs.done));
      expect(await page.textContent('#codes-failed')).toBe(number(l, 5));
      const total = jobs.pending + jobs.done + jobs.failed;
      expect(await page.textContent('#codes-progress-text')).toBe(
        t(l, 'codes.progress', { done: number(l, jobs.done), total: number(l, total) }),
      );
      expect(await page.textContent('#codes-failures li[data-errcode="41030"] strong')).toBe(t(l, 'codes.errcode.41030'));
      expect(await page.textContent('#codes-failures li[data-errcode="41030"] .errmsg')).toContain('invalid page');
      expect(await page.isVisible('#codes-retry')).toBe(true);
      await page.locator('#codes').screenshot({ path: join(OUTPUT, `codes-${l}.png`) });
    }
    if (!existsSync(join(DOCS, 'wxacode-panel-zh-CN.png')) || process.env.PROMO_TRACK_DOCS_SCREENSHOT) {
      await switchTo('zh-CN');
      await page.locator('#codes').screenshot({ path: join(DOCS, 'wxacode-panel-zh-CN.png') });
    }
    await resize(390);
    await expectNoSidewaysScroll(390);
    await resize(1280);

    await redraw(page, () => page.click('#codes-retry'));
    expect(await host.tracker.codeJobs()).toMatchObject({ pending: 17, failed: 0, failures: [] });
    expect(await page.textContent('#codes-failed')).toBe('0');
    expect(await page.isHidden('#codes-retry')).toBe(true);
    expect(await page.isVisible('#codes-none')).toBe(true);
  }, 60_000);

  it('takes the screenshots of both languages at 1280 and 390 px for docs/', async () => {
    // The top promoter's view: names, promo and code image, decisions, referrals.
    const [leader] = await host.tracker.leaderboard({ ...query(await stateRange()), limit: 1 });
    await openUser(String(leader.referrerId));
    for (const l of LANGUAGES) {
      await switchTo(l);
      for (const width of [1280, 390]) {
        await resize(width);
        await page.evaluate(() => window.scrollTo(0, 0));
        const name = `dashboard-${l}-${width}.png`;
        await page.screenshot({ path: join(OUTPUT, name), fullPage: true });
        if (width === 390) {
          for (const part of ['#scenes-box', '#user-view']) {
            await page.locator(part).scrollIntoViewIfNeeded();
            await page.screenshot({ path: join(OUTPUT, `phone-${l}-${part.slice(1)}.png`) });
          }
          await page.evaluate(() => window.scrollTo(0, 0));
        }
        if (!existsSync(join(DOCS, name)) || process.env.PROMO_TRACK_DOCS_SCREENSHOT)
          await page.screenshot({ path: join(DOCS, name), fullPage: true });
      }
    }
    await resize(1280);
  });

  it('has no serious or critical accessibility violation (axe-core), in both languages, wide and narrow, light and dark', async () => {
    await page.click('#table-scenes >> xpath=ancestor::details/summary');
    for (const [l, width] of [
      ['zh-CN', 390],
      ['en', 1280],
    ] as const) {
      await switchTo(l);
      await resize(width);
      await axe(`${l} at ${width}px`);
    }
    // And in the dark theme, which follows the system.
    await page.emulateMedia({ colorScheme: 'dark' });
    await axe('en at 1280px, dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it("opens in the standalone service after its sign-in form, reading the plugin's routes with the cookie", async () => {
    const signIn = await page.goto(`${serviceOrigin}/dashboard`);
    expect(signIn?.status()).toBe(401);
    await page.fill('input[name=token]', 'not-the-token');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('not the admin token');
    await page.fill('input[name=token]', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${serviceOrigin}/dashboard`), page.click('button[type=submit]')]);
    await drawn(page, 0);
    expect(await page.isHidden('#alert')).toBe(true);
    expect(await page.textContent('#range-zone')).toContain('UTC');
    expect((await tiles(page, 'totals')).visits).toEqual({ value: 0, text: '0' });
  });

  it('without code images (no wxacode): a small placeholder per promo, not one that fills a phone; the title reads “用户 1021”', async () => {
    const { promocode } = await service.tracker.getOrCreatePromo({ userId: 1021 });
    await service.tracker.recordTrack({ userId: 1022, promocode, scene: 1047 });
    await page.goto(`${serviceOrigin}/dashboard#lang=zh-CN&range=30d&user=1021`);
    await drawn(page, 0);
    expect(await page.textContent('#user-title')).toBe('用户 1021');
    for (const width of [390, 1440]) {
      await resize(width);
      const box = await page.locator(`#user-promos figure[data-promocode="${promocode}"] .no-image`).boundingBox();
      expect(box!.height, `${width}px`).toBeLessThanOrEqual(40);
      expect(box!.width, `${width}px`).toBeLessThanOrEqual(200);
      await page.locator('#user-view').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(OUTPUT, `newuser-no-image-zh-CN-${width}.png`), fullPage: width === 390 });
    }
    await resize(1280);
  });

  it('made no request off 127.0.0.1 and logged no console error but the unknown promocode’s 404', () => {
    expect(refused).toEqual([]);
    expect(requests.length).toBeGreaterThan(20);
    for (const url of requests) expect(new URL(url).hostname).toBe('127.0.0.1');
    const notFound = (path: string) =>
      `Failed to load resource: the server responded with a status of 404 (Not Found) ${host.origin}/api${path}`;
    const expected = [
      notFound('/promos/NoSuchCode123'),
      // The service's sign-in form (401), and 401 again for the wrong token.
      `Failed to load resource: the server responded with a status of 401 (Unauthorized) ${serviceOrigin}/dashboard`,
      `Failed to load resource: the server responded with a status of 401 (Unauthorized) ${serviceOrigin}/dashboard/sign-in`,
    ];
    expect(consoleErrors).toEqual(expected);
  });
});
