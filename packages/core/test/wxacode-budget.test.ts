/**
 * The code budget is the database's, a sliding window shared by every tracker (process) on it: at
 * most `maxPerMinute` WeChat code calls in any minute, each spent call coming back a minute after it
 * ended (not a bucket that refills bit by bit). On every database, with the clock under the test's control.
 */
import { expect, it, vi } from 'vitest';
import { createFileStore, createWxacodeGenerator } from '@promo-track/core';
import { useCodes } from './codes-support.js';
import { eachDatabase, useTracker } from './support.js';

const SECOND = 1000;

eachDatabase((database) => {
  const f = useTracker(database);
  const c = useCodes(f);

  it('a sliding minute: calls spent at 0 s and 40 s come back at 60 s and 100 s; promos beyond wait in the queue', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    const at = (s: number) => vi.setSystemTime(t0 + s * SECOND);
    const a = c.open({ maxPerMinute: 4 });
    const b = c.open({ maxPerMinute: 4 }); // another process on the same database
    const made = async (tracker: typeof a, ...userIds: number[]) =>
      (await Promise.all(userIds.map((userId) => tracker.getOrCreatePromo({ userId })))).map((p) => p.wxbcode !== null);

    expect(await made(a, 1, 2)).toEqual([true, true]);
    at(40);
    expect((await made(b, 3, 4, 5, 6)).filter(Boolean)).toHaveLength(2);
    expect(c.wechat.codeRequests).toHaveLength(4);
    at(59);
    expect(await made(a, 7)).toEqual([false]);
    at(61);
    // The two calls of 0 s are back (not more: a bucket would have refilled some of the 40 s ones too).
    expect(await made(b, 3, 4, 5, 6)).toEqual([true, true, true, true]);
    expect(c.wechat.codeRequests).toHaveLength(6);
    expect(await made(a, 7)).toEqual([false]);
    at(101);
    expect(await made(a, 7, 8)).toEqual([true, true]);
    expect(c.wechat.codeRequests).toHaveLength(8);
    expect(await a.codeJobs()).toMatchObject({ pending: 0, done: 8 });
  });

  it('the default budget (1000 a minute) makes 200 new promos at once all within the call', async () => {
    const tracker = c.open();
    const promos = await Promise.all(Array.from({ length: 200 }, (_, i) => tracker.getOrCreatePromo({ userId: 1000 + i })));
    expect(promos.every((p) => p.wxbcode !== null)).toBe(true);
    expect(c.wechat.codeRequests).toHaveLength(200);
  });

  it('a clock set back refills nothing', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const tracker = c.open({ maxPerMinute: 3 });
    const promos = await Promise.all(Array.from({ length: 4 }, (_, i) => tracker.getOrCreatePromo({ userId: 300 + i })));
    expect(promos.map((p) => p.wxbcode !== null).sort()).toEqual([false, true, true, true]);
    vi.setSystemTime(Date.now() - 31 * 24 * 60 * 60 * SECOND);
    expect((await tracker.getOrCreatePromo({ userId: 310 })).wxbcode).toBeNull();
    expect(c.wechat.codeRequests).toHaveLength(3);
  });
});

it('refuses a maxPerMinute or budgetWindowMs out of range, naming it', () => {
  const base = { appid: 'wx1', secret: 's', store: createFileStore({ dir: '/tmp', baseUrl: 'http://x/' }) };
  for (const maxPerMinute of [0, -1, Number.NaN, 1.5, 100_001]) {
    expect(() => createWxacodeGenerator({ ...base, maxPerMinute })).toThrow(/maxPerMinute/);
  }
  for (const budgetWindowMs of [0, 50, 1.5, 3_600_001]) {
    expect(() => createWxacodeGenerator({ ...base, budgetWindowMs })).toThrow(/budgetWindowMs/);
  }
  expect(createWxacodeGenerator({ ...base, maxPerMinute: Infinity }).budget).toEqual({ maxPerMinute: Infinity, windowMs: 60_000 });
  expect(createWxacodeGenerator({ ...base }).budget).toEqual({ maxPerMinute: 1000, windowMs: 60_000 });
});
