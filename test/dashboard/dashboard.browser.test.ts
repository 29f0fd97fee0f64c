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
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createService, type Service } from '../../service/src/app.js';
import { type Host, NAMES, OPERATOR_COOKIE, SPECIAL, startHost } from './host.js';
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

const t = (lang: Language, key: keyof (typeof MESSAGES)['en'], values?: Record<string, string | number>) => format(MESSAGES[lang][key], values);

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

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    host = await startHost({ timeZone: ZONE });
    dashboardUrl = `${host.origin}/api/dashboard`;
    // The standalone service too, with ADMIN_TOKEN: its sign-in form's cookie must open the page's routes.
    service = createService({ HOST: '127.0.0.1', DATABASE_URL: 'sqlite::memory:', PROMO_SALT: 'dashboard-browser-service-salt', ADMIN_TOKEN });
    await service.tracker.migrate();
    serviceServer = createServer(service.app);
    await new Promise<void>((done) => serviceServer.listen(0, '127.0.0.1', done));
    serviceOrigin = `http://127.0.0.1:${(serviceServer.address() as AddressInfo).port}`;
    profile = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
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
    };
    expect(Object.fromEntries(Object.entries(shown).map(([k, v]) => [k, v.value]))).toEqual(expected);
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
    expect(c.scenes.visits).toEqual([...top.map((s) => s.visits), ...(rest.length ? [rest.reduce((n, s) => n + s.visits, 0)] : [])]);
    expect(c.scenes.visits.reduce((a, b) => a + b, 0)).toBe(stats.visits);
    // The Data table holds every scene, with WeChat's whole label.
    expect(await rows(page, 'table-scenes')).toEqual(stats.byScene.map((s) => [s.scene, s.label ?? t(l, 'scenes.unknown'), number(l, s.visits)]));

    expect(c.shares.shares).toEqual([0, 1, 2].map((type) => stats.byShareType.find((s) => s.shareType === type)?.shares ?? 0));

    const promoters = leaders.map((e) => (NAMES.has(e.referrerId) ? `${NAMES.get(e.referrerId)} #${e.referrerId}` : String(e.referrerId)));
    expect(await rows(page, 'table-leaders')).toEqual(leaders.map((e, i) => [number(l, i + 1), promoters[i], number(l, e.referrals), number(l, e.visits)]));
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
      items.map((li) => ({ outcome: (li as HTMLElement).dataset.outcome!, badge: li.querySelector('.badge')!.textContent, why: li.querySelector('p')!.textContent })),
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
    const summary = result.violations.map((v: any) => `${v.id} (${v.impact}): ${v.nodes.map((n: any) => n.target.join(' ')).slice(0, 5).join(', ')}`);
    expect(summary.filter((line: string) => /\((serious|critical)\)/.test(line)), label).toEqual([]);
    expect(summary, label).toEqual([]);
  }

  // ---------------------------------------------------------------- the tests

  it('opens in the browser’s language (zh-CN here), with every fixed word translated and <html lang> set', async () => {
    const response = await page.goto(dashboardUrl);
    expect(response?.status()).toBe(200);
    await drawn(page, 0);
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
          expect(d.why).toBe(t(l, `why.${decision.outcome}`, { candidate, code: decision.promocode }));
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
    const ids = (await page.$$eval('#table-referrals [data-user]', (n) => n.map((e) => Number((e as HTMLElement).dataset.user))));
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

  it("downloads the range's tracks and referrals as CSV", async () => {
    const range = await stateRange();
    const q = rangeQuery(range, ZONE);
    const probe = await fetch(`${host.origin}/api/export/tracks.csv?from=${q.from}&to=${q.from}`, { headers: { cookie: `${OPERATOR_COOKIE.name}=${OPERATOR_COOKIE.value}` } });
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
    let now = Date.now() + 1000; // the sender's clock, a second ahead so that a new message is due
    const sender = host.tracker.startWebhookDelivery({ now: () => now, pollMs: 10 });
    await host.tracker.forgetUser(990_001);
    for (let attempt = 1; attempt <= 8; attempt++) {
      await expect.poll(async () => (await host.tracker.listWebhookMessages()).items[0]?.attempts, { timeout: 5000, interval: 20 }).toBe(attempt);
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
    expect(await page.textContent('#webhooks-error-text')).toBe('HTTP 500');
    expect(await rows(page, 'table-webhooks')).toEqual([
      ['user.forgotten', 'failed', '8', 'HTTP 500', 'Redeliver'],
      ['user.forgotten', 'pending', '0', '—', ''],
    ]);
    await page.locator('#webhooks').screenshot({ path: join(OUTPUT, 'webhooks-en.png') });
    await resize(390);
    await expectNoSidewaysScroll(390);
    await page.locator('#webhooks').screenshot({ path: join(OUTPUT, 'webhooks-en-390.png') });
    await resize(1280);
    await redraw(page, () => page.click(`#table-webhooks button[data-message="${failed.id}"]`));
    expect((await host.tracker.listWebhookMessages({ status: 'failed' })).items).toEqual([]);
    expect((await host.tracker.listWebhookMessages({ status: 'pending' })).items.map((m) => m.id).sort()).toEqual([failed.id, pending.id].sort());
    expect(await page.textContent('#webhooks-pending')).toBe('2');
    expect(await page.textContent('#webhooks-failed')).toBe('0');
  });

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
        if (!existsSync(join(DOCS, name)) || process.env.PROMO_TRACK_DOCS_SCREENSHOT) await page.screenshot({ path: join(DOCS, name), fullPage: true });
      }
    }
    await resize(1280);
  });

  it('has no serious or critical accessibility violation (axe-core), in both languages, wide and narrow, light and dark', async () => {
    await page.click('#table-scenes >> xpath=ancestor::details/summary');
    for (const [l, width] of [['zh-CN', 390], ['en', 1280]] as const) {
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

  it('made no request off 127.0.0.1 and logged no console error but the unknown promocode’s 404', () => {
    expect(refused).toEqual([]);
    expect(requests.length).toBeGreaterThan(20);
    for (const url of requests) expect(new URL(url).hostname).toBe('127.0.0.1');
    const notFound = (path: string) => `Failed to load resource: the server responded with a status of 404 (Not Found) ${host.origin}/api${path}`;
    const expected = [
      notFound('/promos/NoSuchCode123'),
      // The service's sign-in form (401), and 401 again for the wrong token.
      `Failed to load resource: the server responded with a status of 401 (Unauthorized) ${serviceOrigin}/dashboard`,
      `Failed to load resource: the server responded with a status of 401 (Unauthorized) ${serviceOrigin}/dashboard/sign-in`,
    ];
    expect(consoleErrors).toEqual(expected);
  });
});
