import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createFileStore, createWxacodeGenerator, type Tracker, type TrackerEvent } from '@promo-track/core';
import { databases, openTracker } from '../../../test/support/databases.js';
import { type FakeWechat, startFakeWechat } from '../../../test/support/fake-wechat.js';

/** The code budget is the generator's own (per process), whatever the database: SQLite stands for all. */
const sqlite = databases.find((d) => d.name === 'sqlite')!;

let wechat: FakeWechat;
let dir: string;
let tracker: Tracker;
let events: TrackerEvent[];
let close: () => Promise<void>;

async function open(maxPerMinute?: number) {
  const wxacode = createWxacodeGenerator({
    appid: wechat.appid,
    secret: wechat.secret,
    apiBase: wechat.apiBase,
    store: createFileStore({ dir, baseUrl: 'http://127.0.0.1:3000/wxacode/' }),
    ...(maxPerMinute === undefined ? {} : { maxPerMinute }),
  });
  const opened = await openTracker(sqlite, { wxacode, onEvent: (e) => void events.push(e) });
  tracker = opened.tracker;
  close = opened.close;
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  wechat = await startFakeWechat();
  dir = mkdtempSync(join(tmpdir(), 'wxacode-budget-'));
  events = [];
});
afterEach(async () => {
  vi.useRealTimers();
  await close?.();
  await wechat.close();
  rmSync(dir, { recursive: true, force: true });
});

it('calls WeChat at most maxPerMinute times a minute; promos beyond get wxbcode null until a later call', async () => {
  await open(3);
  const promos = await Promise.all(Array.from({ length: 10 }, (_, i) => tracker.getOrCreatePromo({ userId: 100 + i })));
  expect(wechat.codeRequests).toHaveLength(3);
  expect(promos.filter((p) => p.wxbcode !== null)).toHaveLength(3);
  const waiting = promos.filter((p) => p.wxbcode === null);
  expect(waiting).toHaveLength(7);
  const failed = events.filter((e) => e.type === 'wxacode.failed');
  expect(failed).toHaveLength(7);
  expect(failed[0]).toMatchObject({ reason: expect.stringMatching(/budget/) });

  // Still within the minute: no call.
  expect((await tracker.getOrCreatePromo({ userId: waiting[0].userId })).wxbcode).toBeNull();
  expect(wechat.codeRequests).toHaveLength(3);
  // 20 s later one code's worth has come back (3 a minute): one more promo gets its code.
  vi.setSystemTime(Date.now() + 20_000);
  expect((await tracker.getOrCreatePromo({ userId: waiting[0].userId })).wxbcode).not.toBeNull();
  expect((await tracker.getOrCreatePromo({ userId: waiting[1].userId })).wxbcode).toBeNull();
  // A minute later, the whole budget again.
  vi.setSystemTime(Date.now() + 60_000);
  const later = await Promise.all(waiting.slice(1, 5).map((p) => tracker.getOrCreatePromo({ userId: p.userId })));
  expect(later.map((p) => p.wxbcode !== null)).toEqual([true, true, true, false]);
  expect(wechat.codeRequests).toHaveLength(7);
});

it('has a default budget well under WeChat’s limits: 200 new promos at once make at most 60 calls', async () => {
  await open();
  await Promise.all(Array.from({ length: 200 }, (_, i) => tracker.getOrCreatePromo({ userId: 1000 + i })));
  expect(wechat.codeRequests.length).toBeLessThanOrEqual(60);
  expect(wechat.codeRequests.length).toBeGreaterThan(0);
});

it('refuses a maxPerMinute that is not a positive number, naming it', () => {
  for (const maxPerMinute of [0, -1, Number.NaN]) {
    expect(() => createWxacodeGenerator({ appid: 'wx1', secret: 's', store: createFileStore({ dir: '/tmp', baseUrl: 'http://x/' }), maxPerMinute })).toThrow(/maxPerMinute/);
  }
});

it('keeps its budget when the clock is set back', async () => {
  await open(3);
  vi.setSystemTime(Date.now() - 31 * 24 * 60 * 60 * 1000);
  const promos = await Promise.all(Array.from({ length: 4 }, (_, i) => tracker.getOrCreatePromo({ userId: 300 + i })));
  expect(promos.map((p) => p.wxbcode !== null)).toEqual([true, true, true, false]);
});
