/**
 * examples/miniprogram-my-invites: the native page's own JS, run in Node with `Page`, `getApp` and
 * `wx` standing in for the mini-program runtime, over the real client and the real routes (the
 * core's handler over an in-memory tracker with reward rules). It shows the promoter's held,
 * payable and paid amounts, each entry with why, and their invites; the WXML names only data it sets.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpHandler, createTracker, type Tracker } from '@promo-track/core';
import { createPromoClient, type PromoRequest } from '@promo-track/miniprogram';

const PAGE = fileURLToPath(new URL('../../examples/miniprogram-my-invites/pages/invites/', import.meta.url));
const require = createRequire(import.meta.url);
const words = require(`${PAGE}words.js`) as { yuan(fen: number): string; why(r: object): string };

const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
let tracker: Tracker;
beforeAll(async () => {
  tracker = createTracker({
    db,
    salt: 'invites-page-salt-01',
    timeZone: 'Asia/Shanghai',
    rewards: [
      { id: 'invite', on: 'referral.bound', to: 'referrer', amount: 500, holdDays: 7 },
      { id: 'fifth', on: 'referral.bound', to: 'referrer', amount: 2000, every: 2 },
    ],
  });
  await tracker.migrate();
});
afterAll(() => db.destroy());

/** Loads the page as the runtime would: its `Page({...})` config, `this.setData`, `getApp().promo`. */
function loadPage(userId: number) {
  const handler = createHttpHandler(tracker, { identify: (h: Record<string, unknown>) => Number(h['x-user']) || undefined });
  const request: PromoRequest = async ({ url, method, data, header }) => {
    const { pathname, searchParams } = new URL(url);
    const res = await handler({
      method,
      path: pathname.replace(/^\/api/, ''),
      query: Object.fromEntries(searchParams),
      headers: header,
      body: data,
      raw: header,
    });
    return { statusCode: res!.status, data: res!.body ? JSON.parse(String(res!.body)) : null };
  };
  const values = new Map<string, unknown>();
  const promo = createPromoClient({
    baseUrl: 'https://api.example.com/api',
    getUserId: () => userId,
    header: { 'x-user': String(userId) },
    request,
    storage: { get: (k) => values.get(k) ?? '', set: (k, v) => values.set(k, v) },
  });
  let config: any;
  const g = globalThis as any;
  g.Page = (c: unknown) => (config = c);
  g.getApp = () => ({ promo });
  g.wx = { stopPullDownRefresh: () => undefined };
  const path = `${PAGE}invites.js`;
  delete require.cache[require.resolve(path)];
  require(path);
  const page = { ...config, data: { ...config.data } };
  page.setData = (patch: object) => Object.assign(page.data, patch);
  return page;
}

describe('the "my invites" page', () => {
  it('shows held, payable and paid amounts in yuan, each entry with why, and the invites', async () => {
    const { promocode } = await tracker.getOrCreatePromo({ userId: 5 });
    for (const userId of [50, 51, 52]) await tracker.recordTrack({ userId, promocode, scene: 1047 });
    const [first] = (await tracker.listRewards({ userId: 5, status: 'payable' })).items;
    await tracker.settleRewards({ ids: [first!.id] });

    const page = loadPage(5);
    await page.refresh();
    expect(page.data).toMatchObject({ loading: false, error: '', held: '15.00', payable: '0.00', settled: '20.00', cursor: null });
    expect(page.data.invites.map((i: { userId: number }) => i.userId)).toEqual([52, 51, 50]);
    expect(page.data.entries.map((e: { amount: string; why: string }) => [e.amount, e.why])).toEqual([
      ['5.00', expect.stringMatching(/^冻结中，\d{2}-\d{2} 后可提现（退款保障期）$/)],
      ['20.00', expect.stringMatching(/^已到账 \d{2}-\d{2}$/)], // the 2nd invite's milestone (every 2), settled
      ['5.00', expect.stringMatching(/^冻结中/)],
      ['5.00', expect.stringMatching(/^冻结中/)],
    ]);

    // Every {{name}} the WXML binds is data the page sets (or a loop's item).
    const wxml = readFileSync(`${PAGE}invites.wxml`, 'utf8');
    const bound = new Set([...wxml.matchAll(/\{\{\s*!?([a-zA-Z]+)/g)].map((m) => m[1]!));
    for (const name of bound) expect(['item', ...Object.keys(page.data)]).toContain(name);
  });

  it("says why in words: a claw-back, a refund, a rebinding, an operator's void", () => {
    const base = { status: 'reversed', reversal_of: null, note: null, payable_at: '2026-12-13T02:00:00Z', settled_at: null };
    expect(words.why({ ...base, note: 'order 8812 refunded' })).toBe('已撤销：订单 8812 已退款');
    expect(words.why({ ...base, note: 'rebound to user 9' })).toBe('已撤销：好友已被他人邀请');
    expect(words.why({ ...base, status: 'payable', reversal_of: 3, note: 'order 8812 refunded after settlement' })).toBe(
      '退款扣回（order 8812 refunded after settlement）',
    );
    expect(words.why({ ...base, status: 'voided', note: '刷单' })).toBe('已作废：刷单');
    expect(words.why({ ...base, status: 'held' })).toBe('冻结中，12-13 后可提现（退款保障期）');
    expect(words.yuan(-1234)).toBe('-12.34');
  });
});
