import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFileStore, createWxacodeGenerator, type Tracker, type TrackerEvent, type WxacodeGeneratorOptions } from '@promo-track/core';
import { databases, openTracker } from '../../../test/support/databases.js';
import { type FakeWechat, startFakeWechat } from '../../../test/support/fake-wechat.js';

const BASE_URL = 'http://127.0.0.1:3000/wxacode/';
const sqlite = databases.find((d) => d.name === 'sqlite')!;

let wechat: FakeWechat;
let dir: string;
let tracker: Tracker;
let events: TrackerEvent[];
let close: () => Promise<void>;

async function open(options: Partial<WxacodeGeneratorOptions> = {}) {
  const wxacode = createWxacodeGenerator({
    appid: wechat.appid,
    secret: wechat.secret,
    apiBase: wechat.apiBase,
    store: createFileStore({ dir, baseUrl: BASE_URL }),
    ...options,
  });
  const opened = await openTracker(sqlite, { wxacode, onEvent: (e) => void events.push(e) });
  tracker = opened.tracker;
  close = opened.close;
}

beforeEach(async () => {
  wechat = await startFakeWechat();
  dir = mkdtempSync(join(tmpdir(), 'wxacode-tracker-'));
  events = [];
});
afterEach(async () => {
  vi.useRealTimers();
  await close?.();
  await wechat.close();
  rmSync(dir, { recursive: true, force: true });
});

const fileOf = (url: string) => join(dir, decodeURIComponent(url.slice(BASE_URL.length)));

describe('getOrCreatePromo with a wxacode generator (SQLite)', () => {
  it('8 concurrent new promos: one token request, one code each, the stored bytes are the image sent', async () => {
    await open();
    const promos = await Promise.all(Array.from({ length: 8 }, (_, i) => tracker.getOrCreatePromo({ userId: 100 + i })));
    expect(wechat.tokenRequests).toHaveLength(1);
    expect(wechat.codeRequests).toHaveLength(8);
    for (const promo of promos) {
      expect(promo.wxbcode).toMatch(new RegExp(`^${BASE_URL}${promo.promocode}-[0-9a-f]{12}\\.png$`));
      expect(readFileSync(fileOf(promo.wxbcode!)).equals(wechat.images.get(promo.promocode)!)).toBe(true);
      expect((await tracker.findPromo(promo.promocode))!.wxbcode).toBe(promo.wxbcode);
    }
  });

  it('8 concurrent calls for one new promo make one WeChat request', async () => {
    await open();
    const promos = await Promise.all(Array.from({ length: 8 }, () => tracker.getOrCreatePromo({ userId: 7 })));
    expect(new Set(promos.map((p) => p.wxbcode)).size).toBe(1);
    expect(promos[0].wxbcode).not.toBeNull();
    expect(wechat.codeRequests).toHaveLength(1);
    await tracker.getOrCreatePromo({ userId: 7 });
    expect(wechat.codeRequests).toHaveLength(1);
  });

  it("sends the promocode as scene and the promo's page without a leading '/', with envVersion and width", async () => {
    await open({ envVersion: 'develop', width: 1280 });
    const promo = await tracker.getOrCreatePromo({ userId: 8, page: '/pages/invite/index' });
    expect(promo.page).toBe('/pages/invite/index');
    expect(wechat.codeRequests[0].body).toEqual({
      scene: promo.promocode,
      page: 'pages/invite/index',
      check_path: false,
      env_version: 'develop',
      width: 1280,
    });
  });

  it('45009 leaves wxbcode null, emits wxacode.failed, and a later call after the back-off fills it', async () => {
    await open();
    vi.useFakeTimers({ toFake: ['Date'] });
    wechat.failCodes(45009);
    const first = await tracker.getOrCreatePromo({ userId: 9 });
    expect(first.wxbcode).toBeNull();
    expect((await tracker.findPromo(first.promocode))!.wxbcode).toBeNull();
    const failed = events.find((e) => e.type === 'wxacode.failed');
    expect(failed).toMatchObject({ type: 'wxacode.failed', promo: { promocode: first.promocode } });
    expect((failed as { reason: string }).reason).toContain('45009');
    expect(wechat.codeRequests).toHaveLength(1);
    expect(await tracker.codeJobs()).toMatchObject({ pending: 1, done: 0, failed: 0 });

    // Within the back-off (about 5 s after a first failure) no call asks WeChat again.
    expect((await tracker.getOrCreatePromo({ userId: 9 })).wxbcode).toBeNull();
    expect(wechat.codeRequests).toHaveLength(1);
    vi.setSystemTime(Date.now() + 6_001);
    const second = await tracker.getOrCreatePromo({ userId: 9 });
    expect(second.id).toBe(first.id);
    expect(second.wxbcode).not.toBeNull();
    expect((await tracker.findPromo(first.promocode))!.wxbcode).toBe(second.wxbcode);
    expect(wechat.codeRequests).toHaveLength(2);
  });

  it('a WeChat that never answers returns the promo without a code within the timeout', async () => {
    await open({ timeoutMs: 300 });
    wechat.hang('getwxacodeunlimit');
    const started = Date.now();
    const promo = await tracker.getOrCreatePromo({ userId: 10 });
    expect(promo.wxbcode).toBeNull();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(events.some((e) => e.type === 'wxacode.failed' && /300 ms/.test(e.reason))).toBe(true);
  });

  it('a token that stays invalid leaves wxbcode null after one retry', async () => {
    await open();
    wechat.failCodes(40001, Infinity);
    const promo = await tracker.getOrCreatePromo({ userId: 11 });
    expect(promo.wxbcode).toBeNull();
    expect(wechat.codeRequests).toHaveLength(2);
    expect(wechat.tokenRequests).toHaveLength(2);
  });

  it('forgetUser deletes the stored image file', async () => {
    await open();
    const promo = await tracker.getOrCreatePromo({ userId: 12 });
    const other = await tracker.getOrCreatePromo({ userId: 13 });
    expect(existsSync(fileOf(promo.wxbcode!))).toBe(true);
    const removed = await tracker.forgetUser(12);
    expect(removed.promos).toBe(1);
    expect(existsSync(fileOf(promo.wxbcode!))).toBe(false);
    expect(existsSync(fileOf(other.wxbcode!))).toBe(true);
  });
});
