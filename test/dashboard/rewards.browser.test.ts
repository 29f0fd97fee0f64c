/**
 * The dashboard's rewards panel in a real headless Chromium, in Chinese: totals by status, the
 * entries with why in words, the status filter, "settle selected" and "void" each confirmed first
 * (a cancelled confirmation changes nothing), and a promoter's balance and reward decisions in the
 * user view. Saves docs/img/dashboard-rewards-zh-CN.png. Skipped without /usr/bin/chromium.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTracker, type Tracker } from '@promo-track/core';
import { dashboard } from '@promo-track/dashboard';
import { createExpressRouter } from '@promo-track/express';
import Database from 'better-sqlite3';
import express from 'express';
import { Kysely, SqliteDialect } from 'kysely';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redraw } from './page-probes.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOT = fileURLToPath(new URL('../../docs/img/dashboard-rewards-zh-CN.png', import.meta.url));
const ZONE = 'Asia/Shanghai';

describe.skipIf(!existsSync(CHROMIUM))('the rewards panel in Chromium (zh-CN)', () => {
  let db: Kysely<any>;
  let tracker: Tracker;
  let server: Server;
  let origin: string;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const errors: string[] = [];

  beforeAll(async () => {
    db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    tracker = createTracker({
      db,
      salt: 'rewards-browser-test-salt',
      timeZone: ZONE,
      attribution: { model: 'last-touch', windowDays: 30 },
      rewards: [
        { id: 'invite', on: 'referral.bound', to: 'referrer', amount: 500, holdDays: 7 },
        { id: 'welcome', on: 'referral.bound', to: 'referee', amount: 300 },
        { id: 'every_3', on: 'referral.bound', to: 'referrer', amount: 2000, every: 3, cap: { count: 1, per: 'month' } },
      ],
    });
    await tracker.migrate();
    // Promoter 1001 brings six users (the 3rd pays the milestone, the 6th is capped); 2002 takes one over.
    const a = (await tracker.getOrCreatePromo({ userId: 1001 })).promocode;
    const b = (await tracker.getOrCreatePromo({ userId: 2002 })).promocode;
    for (let i = 1; i <= 6; i++) await tracker.recordTrack({ userId: 5000 + i, promocode: a, scene: 1047 });
    await tracker.recordTrack({ userId: 5001, promocode: b, scene: 1007 }); // last-touch: rebound to 2002
    const welcomes = (await tracker.listRewards({ status: 'payable', limit: 500 })).items.filter((r) => r.ruleId === 'welcome');
    await tracker.settleRewards({ ids: welcomes.slice(0, 2).map((r) => r.id) });

    const app = express();
    app.use('/api', createExpressRouter(tracker, { plugins: [dashboard()] }));
    server = createServer(app);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    profile = mkdtempSync(join(tmpdir(), 'rewards-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
      reducedMotion: 'reduce',
      colorScheme: 'light',
      locale: 'zh-CN',
      timezoneId: 'America/New_York',
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (m) => m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && errors.push(m.text()));
    await page.goto(`${origin}/api/dashboard`);
    await page.waitForFunction(() => document.body.dataset.busy === 'false' && Number(document.body.dataset.generation) > 0);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (server) {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
    await db?.destroy();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const tile = (status: string) => page.textContent(`#rewards-totals [data-status="${status}"] .value`);
  const rows = () =>
    page.$$eval('#table-rewards tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? '')),
    );

  it('shows totals by status and every entry with why, in Chinese', async () => {
    expect(await page.textContent('#rewards-title')).toContain('奖励');
    // Held: six invites minus the one reversed by the rebinding, plus 2002's invite = 6 × ¥5.
    expect(await tile('held')).toBe('¥30.00');
    expect(await tile('settled')).toBe('¥6.00');
    expect(await tile('reversed')).toBe('¥5.00');
    // Six welcomes and the 3rd binding's milestone, two welcomes settled; the rebinding welcomes no one again.
    expect(await page.getAttribute('#rewards-totals [data-status="payable"]', 'data-count')).toBe('5');
    const all = await rows();
    const why = all.map((r) => r[7]);
    expect(why).toContain('已撤销：该用户已改绑给用户 2002');
    expect(why.some((w) => /^冻结至 \d{2}-\d{2}（7 天退款期）$/.test(w!))).toBe(true);
    expect(why.some((w) => /^已于 \d{2}-\d{2} 结算$/.test(w!))).toBe(true);
    await page.screenshot({
      path: SHOT,
      fullPage: true,
      clip: await page
        .locator('#rewards')
        .boundingBox({ timeout: 5000 })
        .then(async () =>
          page.evaluate(() => {
            const r = document.getElementById('rewards')!.getBoundingClientRect();
            return { x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height };
          }),
        ),
    });
  });

  it('filters by status', async () => {
    await page.selectOption('#rewards-status', 'reversed');
    await redraw(page, () => page.click('#rewards-filter button[type="submit"]'));
    const all = await rows();
    expect(all).toHaveLength(1);
    expect(all[0]![6]).toBe('已撤销');
  });

  it('settles the selected payable entries after a confirmation; a cancelled one changes nothing', async () => {
    await page.selectOption('#rewards-status', 'payable');
    await redraw(page, () => page.click('#rewards-filter button[type="submit"]'));
    const boxes = await page.$$('#table-rewards input.pick');
    expect(boxes).toHaveLength(5);
    await boxes[0]!.check();
    await boxes[1]!.check();
    expect(await page.textContent('#rewards-settle')).toBe('结算所选（2）');

    page.once('dialog', (d) => void d.dismiss());
    await page.click('#rewards-settle');
    await page.waitForTimeout(200);
    expect((await tracker.listRewards({ status: 'payable' })).items).toHaveLength(5);

    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await redraw(page, () => page.click('#rewards-settle'));
    expect(asked).toMatch(/^将 2 笔（¥\d+\.\d{2}）标记为已结算？/);
    expect((await tracker.listRewards({ status: 'payable' })).items).toHaveLength(3);
    expect(await page.textContent('#rewards-message')).toBe('已结算 2 笔。');
  });

  it('voids one entry with a note after a confirmation', async () => {
    await page.selectOption('#rewards-status', 'held');
    await redraw(page, () => page.click('#rewards-filter button[type="submit"]'));
    const id = Number(await page.getAttribute('#table-rewards button[data-void]', 'data-void'));
    page.once('dialog', (d) => void d.accept('刷单'));
    await redraw(page, () => page.click(`#table-rewards button[data-void="${id}"]`));
    const voided = (await tracker.listRewards({ status: 'voided' })).items;
    expect(voided.map((r) => [r.id, r.note])).toEqual([[id, '刷单']]);
  });

  it("shows a promoter's balance and reward decisions in words in the user view", async () => {
    await redraw(page, () => page.evaluate(() => (location.hash = '#lang=zh-CN&range=30d&user=1001')));
    await page.waitForSelector('#user-rewards:not([hidden])');
    expect(await page.textContent('#user-balance')).toMatch(/^冻结 ¥\d+\.\d{2} · 可结算 ¥\d+\.\d{2} · 已结算 ¥\d+\.\d{2}$/);
    const decisions = await page.$$eval('#user-reward-decisions li', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(decisions.some((d) => d.includes('未发放：第 1 次推荐，规则每满 3 次发放'))).toBe(true);
    expect(decisions.some((d) => d.includes('未发放：本月第 2 次推荐，规则最多发放 1 次'))).toBe(true);
    await redraw(page, () => page.click('#languages button[lang="en"]'));
    const english = await page.$$eval('#user-reward-decisions li', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(english.some((d) => d.includes('not paid: the 2nd referral this month, the rule pays 1'))).toBe(true);
    expect(english.some((d) => d.includes('not paid: the 1st referral, the rule pays every 3rd'))).toBe(true);
    expect(errors).toEqual([]);
  });
});
