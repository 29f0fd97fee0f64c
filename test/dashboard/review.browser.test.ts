/**
 * The dashboard's review queue in headless Chromium (Debian's `chromium`, playwright-core): flagged
 * referees grouped by referrer, what matched in words in Chinese and English, and Release / Void
 * each asking for a confirmation. The Chinese screenshot goes to docs/abuse-review-zh-CN.png.
 * Skipped when /usr/bin/chromium is absent.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import { Kysely, SqliteDialect } from 'kysely';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracker, type Tracker } from '@promo-track/core';
import { dashboard } from '@promo-track/dashboard';
import { createExpressRouter } from '@promo-track/express';
import { drawn, generation } from './page-probes.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(__dirname, '../..');
const NAMES = new Map([
  [1001, '王芳'],
  [1002, '刘洋'],
  [2001, '小号甲'],
]);

describe.skipIf(!existsSync(CHROMIUM))('the review queue in headless Chromium', () => {
  let tracker: Tracker;
  let server: Server;
  let url: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    tracker = createTracker({ db, salt: 'review-browser-test-salt', timeZone: 'Asia/Shanghai', abuse: { maxBindingsPerHour: 3 } });
    await tracker.migrate();
    const code = async (userId: number) => (await tracker.getOrCreatePromo({ userId })).promocode;
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
    // 王芳 shared from her phone; 3 minutes later a "new user" opened her card on it.
    await tracker.recordShare({
      userId: 1001,
      promocode: await code(1001),
      shareType: 1,
      signals: { device: 'install-wang' },
      occurredAt: minutesAgo(3),
    });
    await tracker.recordTrack({ userId: 2001, promocode: await code(1001), scene: 1007, signals: { device: 'install-wang' } });
    // 刘洋: five new users within the hour (limit 3): the 4th and 5th are flagged.
    for (const userId of [3001, 3002, 3003, 3004, 3005])
      await tracker.recordTrack({ userId, promocode: await code(1002), scene: 1047, signals: { device: `d-${userId}` } });
    // One phone behind four new users of four promoters: the 4th is flagged.
    for (const [userId, referrer] of [
      [4001, 1101],
      [4002, 1102],
      [4003, 1103],
      [4004, 1104],
    ]) {
      await tracker.recordTrack({ userId, promocode: await code(referrer), scene: 1047, signals: { device: 'farm-phone' } });
    }

    const app = express();
    app.use(
      '/api',
      createExpressRouter(tracker, {
        plugins: [dashboard({ displayName: async (ids) => new Map(ids.flatMap((id) => (NAMES.has(id) ? [[id, NAMES.get(id)!]] : []))) })],
      }),
    );
    server = createServer(app);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/dashboard`;
    profile = mkdtempSync(join(tmpdir(), 'review-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
      reducedMotion: 'reduce',
      colorScheme: 'light',
      locale: 'zh-CN',
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => errors.push(String(error)));
    // The browser's own favicon request is the host's business, not the page's.
    page.on(
      'console',
      (m) => void (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && errors.push(`${m.text()} ${m.location().url}`)),
    );
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    server?.closeAllConnections();
    await new Promise((done) => server?.close(done));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const groups = () =>
    page.$$eval('#review .review-group', (nodes) =>
      nodes.map((n) => ({
        referrer: Number((n as HTMLElement).dataset.referrer),
        title: n.querySelector('h3')!.textContent!.trim(),
        rows: Array.from(n.querySelectorAll('tbody tr')).map((r) => ({
          referee: Number((r as HTMLElement).dataset.referee),
          user: r.querySelector('td')!.textContent!.trim(),
          what: Array.from(r.querySelectorAll('ul.matches li')).map((li) => li.textContent!.trim()),
        })),
      })),
    );

  it('groups flagged referees by referrer and says what matched, in Chinese (screenshot) and English', async () => {
    await page.goto(`${url}#lang=zh-CN`);
    await drawn(page, 0);
    expect(await page.isVisible('#review')).toBe(true);
    expect(await page.textContent('#review-title')).toContain('待审核');
    expect(await groups()).toEqual([
      {
        referrer: 1002,
        title: '推荐人 刘洋 2 个被标记',
        rows: [
          { referee: 3005, user: '用户 3005', what: ['推荐人此前一小时内已有 4 次绑定（上限 3）'] },
          { referee: 3004, user: '用户 3004', what: ['推荐人此前一小时内已有 3 次绑定（上限 3）'] },
        ],
      },
      {
        referrer: 1001,
        title: '推荐人 王芳 1 个被标记',
        rows: [{ referee: 2001, user: '小号甲', what: ['与推荐人同一台手机，相隔 3 分钟'] }],
      },
      {
        referrer: 1104,
        title: '推荐人 用户 1104 1 个被标记',
        rows: [{ referee: 4004, user: '用户 4004', what: ['这台手机已带来 3 个新用户（上限 3）'] }],
      },
    ]);
    mkdirSync(join(ROOT, 'test-results', 'dashboard'), { recursive: true });
    for (const path of [join(ROOT, 'test-results', 'dashboard', 'review-zh-CN.png'), join(ROOT, 'docs', 'abuse-review-zh-CN.png')]) {
      await page.locator('#review').screenshot({ path });
    }

    const g = await generation(page);
    await page.click('#languages button[lang="en"]');
    await drawn(page, g);
    const english = await groups();
    expect(english.find((x) => x.referrer === 1001)!.rows[0]!.what).toEqual(['same phone as the referrer, 3 minutes apart']);
    expect(english.find((x) => x.referrer === 1104)!.rows[0]!.what).toEqual(['this phone already brought 3 new users (limit 3)']);
    expect(errors).toEqual([]);
  });

  it('Release and Void ask first; Cancel changes nothing, Confirm resolves and the referee leaves the queue', async () => {
    // A fresh load: from the English view, going to `#lang=zh-CN` alone only changes the fragment, and
    // the redraw it starts could land between the clicks below (generation would already be past 0).
    await page.goto('about:blank');
    await page.goto(`${url}#lang=zh-CN`);
    await drawn(page, 0);
    const row = (referee: number) => `#review tr[data-referee="${referee}"]`;

    await page.click(`${row(3004)} button[data-action="void"]`);
    expect(await page.textContent(`${row(3004)} .question`)).toBe('确认作废 用户 3004 现在及以后的奖励？');
    await page.click(`${row(3004)} .verdict button:not([data-confirm])`); // 取消 (the name in the first cell is a button too)
    expect(await page.isVisible(`${row(3004)} button[data-action="void"]`)).toBe(true);
    expect((await tracker.listFlagged({ status: 'open' })).items).toHaveLength(4);

    let g = await generation(page);
    await page.click(`${row(2001)} button[data-action="release"]`);
    await page.click(`${row(2001)} button[data-confirm="release"]`);
    await drawn(page, g);
    expect(await page.$(row(2001))).toBeNull();
    expect((await tracker.listFlagged({ status: 'released' })).items.map((i) => i.refereeId)).toEqual([2001]);

    g = await generation(page);
    await page.click(`${row(3004)} button[data-action="void"]`);
    await page.click(`${row(3004)} button[data-confirm="void"]`);
    await drawn(page, g);
    expect(await page.$(row(3004))).toBeNull();
    expect((await tracker.listFlagged({ status: 'voided' })).items.map((i) => i.refereeId)).toEqual([3004]);
    expect(errors).toEqual([]);
  });
});
