/**
 * The operator dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core),
 * served by the standalone service with ADMIN_TOKEN set, over a SQLite database seeded with a few
 * thousand visits over 30 days. Skipped when /usr/bin/chromium is absent (CI installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Stats, sceneLabel } from '@promo-track/core';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../service/src/app.js';
import { DAY_MS, type Seeded, dayOf, seed, startOfDay, startWechatStandIn } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(__dirname, '../..');
const OUTPUT = join(ROOT, 'test-results', 'dashboard');
const ADMIN_TOKEN = 'dashboard-test-admin-token-0123456789';

interface ChartData {
  daily: { labels: string[]; newUsers: number[]; returning: number[] };
  scenes: { labels: string[]; visits: number[] };
  shares: { labels: string[]; shares: number[] };
  promoDaily: { newUsers: number[]; returning: number[] };
}

describe.skipIf(!existsSync(CHROMIUM))('the dashboard in headless Chromium', () => {
  let wechat: Awaited<ReturnType<typeof startWechatStandIn>>;
  let server: Server;
  let origin: string;
  let service: Service;
  let seeded: Seeded;
  let profile: string;
  let files: string;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    wechat = await startWechatStandIn();
    files = mkdtempSync(join(tmpdir(), 'dashboard-wxacode-'));
    // Listen first: WXACODE_BASE_URL needs the port.
    let listener: RequestListener = (_req, res) => res.writeHead(503).end();
    server = createServer((req, res) => listener(req, res));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    service = createService({
      HOST: '127.0.0.1',
      DATABASE_URL: 'sqlite::memory:',
      PROMO_SALT: 'dashboard-browser-test-salt',
      ADMIN_TOKEN,
      WX_APPID: 'wx-demo',
      WX_SECRET: 'stand-in-secret',
      WXACODE_DIR: files,
      WXACODE_BASE_URL: `${origin}/wxacode/`,
      WX_API_BASE: wechat.apiBase,
    });
    await service.tracker.migrate();
    seeded = await seed(service.tracker);
    listener = service.app;

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
      viewport: { width: 1440, height: 900 },
      deviceScaleFactor: 1,
      reducedMotion: 'reduce', // no chart animations: what is drawn is final
      colorScheme: 'light',
      locale: 'en-US',
      timezoneId: 'Asia/Shanghai', // the page must still count in UTC days
    });
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
      if (message.type() === 'error') consoleErrors.push(`${message.text()} ${message.location().url}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (server) {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
    await service?.close();
    await wechat?.close();
    for (const dir of [profile, files]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // ---------------------------------------------------------------- helpers

  const generation = () => page.evaluate(() => Number(document.body.dataset.generation));
  /** Waits until the page has drawn a newer view than `after`. */
  const drawn = (after: number) =>
    page.waitForFunction((g) => Number(document.body.dataset.generation) > g && document.body.dataset.busy === 'false', after);

  const charts = () =>
    page.evaluate((): ChartData => {
      const { charts: c } = (window as any).promoTrackDashboard;
      return {
        daily: { labels: c.daily.data.labels, newUsers: c.daily.data.datasets[0].data, returning: c.daily.data.datasets[1].data },
        scenes: { labels: c.scenes.data.labels, visits: c.scenes.data.datasets[0].data },
        shares: { labels: c.shares.data.labels, shares: c.shares.data.datasets[0].data },
        promoDaily: { newUsers: c.promoDaily.data.datasets[0].data, returning: c.promoDaily.data.datasets[1].data },
      };
    });

  const tiles = (id: string) =>
    page.$$eval(`#${id} [data-kpi]`, (nodes) => Object.fromEntries(nodes.map((n) => [(n as HTMLElement).dataset.kpi, Number((n as HTMLElement).dataset.value)])));

  const rows = (id: string) => page.$$eval(`#${id} tr:not(.empty)`, (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent!.trim())));

  const days = (first: string, last: string) => {
    const out: string[] = [];
    for (let t = startOfDay(first); t <= startOfDay(last); t += DAY_MS) out.push(dayOf(t));
    return out;
  };
  const range = (first: string, last: string) => ({ from: new Date(startOfDay(first)), to: new Date(startOfDay(last) + DAY_MS) });

  /** The view must show exactly what the tracker answers for that range. */
  async function expectView(first: string, last: string): Promise<Stats> {
    const stats = await service.tracker.stats(range(first, last));
    const leaders = await service.tracker.leaderboard({ ...range(first, last), limit: 10 });

    expect(await tiles('totals')).toEqual({
      visits: stats.visits,
      new_user_visits: stats.newUserVisits,
      returning_user_visits: stats.returningUserVisits,
      unique_visitors: stats.uniqueVisitors,
      referrals: stats.referrals,
      shares: stats.shares,
    });

    const shown = await charts();
    const byDay = new Map(stats.byDay.map((d) => [d.day, d]));
    const span = days(first, last);
    expect(shown.daily.labels).toEqual(span.map((d) => d.slice(5)));
    expect(shown.daily.newUsers).toEqual(span.map((d) => byDay.get(d)?.newUserVisits ?? 0));
    expect(shown.daily.returning).toEqual(span.map((d) => (byDay.get(d)?.visits ?? 0) - (byDay.get(d)?.newUserVisits ?? 0)));

    const top = stats.byScene.slice(0, 10);
    const rest = stats.byScene.slice(10);
    expect(shown.scenes.labels.slice(0, 10)).toEqual(top.map((s) => `${s.label ?? 'Unknown scene'} (${s.scene})`));
    expect(shown.scenes.visits).toEqual([...top.map((s) => s.visits), ...(rest.length ? [rest.reduce((n, s) => n + s.visits, 0)] : [])]);
    expect(shown.scenes.visits.reduce((a, b) => a + b, 0)).toBe(stats.visits);

    expect(shown.shares.shares).toEqual([0, 1, 2].map((t) => stats.byShareType.find((s) => s.shareType === t)?.shares ?? 0));

    expect(await rows('table-leaders')).toEqual(
      leaders.map((l, i) => [String(i + 1), String(l.referrerId), l.referrals.toLocaleString('en-US'), l.visits.toLocaleString('en-US')]),
    );
    return stats;
  }

  // ---------------------------------------------------------------- the tests

  it('asks for the admin token, then shows the last 30 days with the seeded numbers', async () => {
    const signIn = await page.goto(`${origin}/dashboard`);
    expect(signIn?.status()).toBe(401);
    await page.fill('input[name=token]', 'not-the-token');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('not the admin token');
    await page.fill('input[name=token]', ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${origin}/dashboard`), page.click('button[type=submit]')]);
    await drawn(0);

    const stats = await expectView(seeded.first, seeded.last);
    expect(seeded.visits).toBeGreaterThan(3000);
    // The crawler's visits (scene 1129) are stored but not counted, so the page shows fewer.
    expect(stats.visits).toBeLessThan(seeded.visits);
    expect(stats.visits).toBeGreaterThan(2500);
    expect(stats.byScene.some((s) => s.scene === '1129')).toBe(false);
    // Chinese labels, as sceneLabel gives them.
    const { scenes } = await charts();
    expect(scenes.labels[0]).toBe(`${sceneLabel('1007')} (1007)`);
    expect(scenes.labels.join()).toContain('扫描小程序码');
    await page.screenshot({ path: join(OUTPUT, 'wide-30-days.png'), fullPage: true });
  });

  it('changes every chart when the range changes', async () => {
    const before = await tiles('totals');
    let g = await generation();
    await page.selectOption('#range-preset', '7d');
    await drawn(g);
    const first7 = dayOf(startOfDay(seeded.last) - 6 * DAY_MS);
    const week = await expectView(first7, seeded.last);
    expect(week.visits).toBeLessThan(before.visits);
    expect((await charts()).daily.labels).toHaveLength(7);
    expect(page.url()).toContain('#range=7d');

    // A custom range from the date inputs.
    const from = dayOf(startOfDay(seeded.last) - 20 * DAY_MS);
    const to = dayOf(startOfDay(seeded.last) - 10 * DAY_MS);
    g = await generation();
    await page.fill('#range-first', from);
    await drawn(g);
    g = await generation();
    await page.fill('#range-last', to);
    await drawn(g);
    expect(await page.inputValue('#range-preset')).toBe('custom');
    const custom = await expectView(from, to);
    expect(custom.visits).not.toBe(week.visits);

    // A range without data says so on every chart.
    g = await generation();
    await page.fill('#range-last', '2020-01-07');
    await drawn(g);
    g = await generation();
    await page.fill('#range-first', '2020-01-01');
    await drawn(g);
    expect((await expectView('2020-01-01', '2020-01-07')).visits).toBe(0);
    expect(await page.$$eval('.chart[data-empty="true"]', (n) => n.length)).toBe(3);

    // Back to 30 days for the next tests.
    g = await generation();
    await page.selectOption('#range-preset', '30d');
    await drawn(g);
    expect(await tiles('totals')).toEqual(before);
  });

  it('finds a promo by its promocode: its stats, its referrals and its mini-program code', async () => {
    const [leader] = await service.tracker.leaderboard({ ...range(seeded.first, seeded.last), limit: 1 });
    const promo = seeded.promos.find((p) => p.userId === leader.referrerId)!;

    let g = await generation();
    await page.fill('#promo-input', 'NoSuchCode123');
    await page.click('#promo-form button');
    await drawn(g);
    expect(await page.textContent('#promo-message')).toContain('No promo has the promocode');
    expect(await page.isHidden('#promo-result')).toBe(true);

    g = await generation();
    await page.fill('#promo-input', promo.promocode);
    await page.click('#promo-form button');
    await drawn(g);
    expect(await page.isVisible('#promo-result')).toBe(true);
    expect(await page.textContent('#promo-facts')).toContain(promo.promocode);
    expect(await page.textContent('#promo-owner')).toBe(String(promo.userId));

    const stats = await service.tracker.stats({ promocode: promo.promocode, ...range(seeded.first, seeded.last) });
    expect(await tiles('promo-totals')).toEqual({
      visits: stats.visits,
      new_user_visits: stats.newUserVisits,
      returning_user_visits: stats.returningUserVisits,
      unique_visitors: stats.uniqueVisitors,
      referrals: stats.referrals,
      shares: stats.shares,
    });
    const { promoDaily } = await charts();
    expect(promoDaily.newUsers.reduce((a, b) => a + b, 0)).toBe(stats.newUserVisits);
    expect(promoDaily.returning.reduce((a, b) => a + b, 0)).toBe(stats.returningUserVisits);

    const referrals = await service.tracker.listReferrals(promo.userId, { limit: 20 });
    expect(referrals.items.length).toBe(20);
    expect((await rows('table-referrals')).map((r) => r[0])).toEqual(referrals.items.map((r) => String(r.userId)));
    expect(await page.isVisible('#referrals-more')).toBe(referrals.nextCursor !== null);
    await page.click('#referrals-more');
    await expect.poll(async () => (await rows('table-referrals')).length).toBe(
      20 + (await service.tracker.listReferrals(promo.userId, { limit: 20, cursor: referrals.nextCursor! })).items.length,
    );

    // The code image is the one the service stored, loaded from this origin.
    const image = await page.$eval('#promo-image', (img) => ({
      src: (img as HTMLImageElement).src,
      width: (img as HTMLImageElement).naturalWidth,
      complete: (img as HTMLImageElement).complete,
    }));
    const stored = await service.tracker.findPromo(promo.promocode);
    expect(image.src).toBe(stored!.wxbcode);
    await expect.poll(() => page.$eval('#promo-image', (img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    expect(image.src.startsWith(`${origin}/wxacode/`)).toBe(true);

    // The view is in the URL: a reload shows the same promo.
    expect(page.url()).toContain(`promo=${promo.promocode}`);
    await page.reload();
    await drawn(0);
    expect(await page.textContent('#promo-owner')).toBe(String(promo.userId));

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(OUTPUT, 'wide.png'), fullPage: true });
    // The README's picture: written when missing, or on request (it changes with every day's data).
    const docs = join(ROOT, 'docs', 'dashboard.png');
    if (!existsSync(docs) || process.env.PROMO_TRACK_DOCS_SCREENSHOT) await page.screenshot({ path: docs, fullPage: true });
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300); // Chart.js resizes on the next frame
    // Nothing sticks out sideways (which would make the page scroll horizontally).
    const sticking = await page.evaluate(() =>
      Array.from(document.querySelectorAll('body *'))
        .filter((n) => n.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((n) => `${n.tagName.toLowerCase()}#${n.id}.${n.className}`),
    );
    expect(sticking).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    const canvasWidths = await page.$$eval('canvas', (nodes) => nodes.map((n) => n.getBoundingClientRect().width));
    for (const width of canvasWidths.filter((w) => w > 0)) expect(width).toBeLessThanOrEqual(390);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(OUTPUT, 'phone.png') });
    await page.screenshot({ path: join(OUTPUT, 'phone-full.png'), fullPage: true });
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('made no request off 127.0.0.1 and logged no console error', () => {
    expect(refused).toEqual([]);
    expect(requests.length).toBeGreaterThan(5);
    for (const url of requests) expect(new URL(url).hostname).toBe('127.0.0.1');
    // Chromium logs every 4xx answer as a console error. Only the ones the tests asked for may appear:
    // the sign-in form (401, and 401 again for the wrong token) and the promocode that does not exist.
    const expected = [
      `Failed to load resource: the server responded with a status of 401 (Unauthorized) ${origin}/dashboard`,
      `Failed to load resource: the server responded with a status of 401 (Unauthorized) ${origin}/dashboard/sign-in`,
      `Failed to load resource: the server responded with a status of 404 (Not Found) ${origin}/promos/NoSuchCode123`,
    ];
    expect(consoleErrors).toEqual(expected);
  });
});
