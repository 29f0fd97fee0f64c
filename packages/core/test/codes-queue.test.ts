/**
 * The code images' queue on every database (docs/wxacode.md), against the WeChat stand-in:
 * pregenerateCodes queues once, the worker makes every code once and says so (`wxacode.generated`),
 * 45009 backs off with jitter until WeChat answers again, 41030 fails a job for good with its reason
 * until retryFailedCodes, and getOrCreatePromo past the shared budget queues instead of asking.
 */
import { sql } from 'kysely';
import { afterEach, expect, it, vi } from 'vitest';
import type { Worker } from '@promo-track/core';
import { BASE_URL, until, useCodes } from './codes-support.js';
import { eachDatabase, useTracker } from './support.js';

const PUBLISHED = 'pages/invite/index';
const UNPUBLISHED = 'pages/new/index';

eachDatabase((database) => {
  const f = useTracker(database);
  const c = useCodes(f);
  let worker: Worker | undefined;
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    vi.useRealTimers();
  });

  it('pregenerateCodes creates the promos, queues their codes without asking WeChat, and a second call queues nothing', async () => {
    const tracker = c.open();
    await tracker.getOrCreatePromo({ userId: 1 }); // exists, with its code already: nothing to queue
    const userIds = Array.from({ length: 40 }, (_, i) => i + 1);
    expect(await tracker.pregenerateCodes({ userIds, page: PUBLISHED })).toEqual({ queued: 39 });
    expect(c.wechat.codeRequests).toHaveLength(1);
    expect(await tracker.pregenerateCodes({ userIds, page: PUBLISHED })).toEqual({ queued: 0 });
    expect(await tracker.pregenerateCodes({ userIds: [...userIds, 41] })).toEqual({ queued: 1 });
    expect(await tracker.codeJobs()).toEqual({ pending: 40, done: 1, failed: 0, failures: [] });
    expect(c.events.filter((e) => e.type === 'promo.created')).toHaveLength(41);
    const promo = await tracker.getOrCreatePromo({ userId: 2 });
    expect(promo.page).toBe(PUBLISHED);
  });

  it('the worker makes every queued code once, fills the promos, and emits wxacode.generated (in process and to the outbox)', async () => {
    const tracker = c.open(
      {},
      { webhooks: [{ url: 'http://127.0.0.1:9/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', events: ['wxacode.generated'] }] },
    );
    const userIds = Array.from({ length: 30 }, (_, i) => 100 + i);
    await tracker.pregenerateCodes({ userIds });
    worker = tracker.startWorker({ pollMs: 20 });
    await until(async () => (await tracker.codeJobs()).done === 30);
    expect(await tracker.codeJobs()).toEqual({ pending: 0, done: 30, failed: 0, failures: [] });
    for (const userId of userIds) {
      const promo = await tracker.getOrCreatePromo({ userId });
      expect(promo.wxbcode).toMatch(new RegExp(`^${BASE_URL}${promo.promocode}-`));
      expect(c.wechat.answered.get(promo.promocode)).toBe(1);
    }
    expect(c.wechat.codeRequests).toHaveLength(30);
    expect(c.events.filter((e) => e.type === 'wxacode.generated')).toHaveLength(30);
    const { rows } = await sql<{
      type: string;
      payload: string;
    }>`select type, payload from ${sql.table(`${f.prefix}webhook_message`)}`.execute(f.db);
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.type === 'wxacode.generated' && JSON.parse(r.payload).data.wxbcode.startsWith(BASE_URL))).toBe(true);
  });

  it('45009 for a while: every job backs off (about 5 s, then doubling, jittered) and is done once WeChat answers again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const tracker = c.open();
    const start = Date.now();
    const quotaUntil = start + 30_000;
    c.wechat.failWhen(() => (Date.now() < quotaUntil ? 45009 : undefined));
    const userIds = Array.from({ length: 8 }, (_, i) => 200 + i);
    await tracker.pregenerateCodes({ userIds });
    worker = tracker.startWorker({ pollMs: 5 });
    // The test moves the clock 250 ms at a time, letting the worker look at each step.
    await until(
      async () => {
        if ((await tracker.codeJobs()).done === userIds.length) return true;
        vi.setSystemTime(Date.now() + 250);
        return false;
      },
      60_000,
      20,
    );
    expect(await tracker.codeJobs()).toMatchObject({ pending: 0, done: 8, failed: 0 });
    const firstGaps: number[] = [];
    for (const userId of userIds) {
      const { promocode, wxbcode } = await tracker.getOrCreatePromo({ userId });
      expect(wxbcode).not.toBeNull();
      const times = c.wechat.codeRequests.filter((r) => r.body.scene === promocode).map((r) => r.at);
      const gaps = times.slice(1).map((at, i) => at - times[i]!);
      // Tried at 0, ~5, ~15, ~35 s: each wait the previous one doubled, ±20% (plus the steps the clock
      // moved on before the worker looked, up to a second on a busy machine).
      expect(gaps.length).toBeGreaterThanOrEqual(3);
      gaps.forEach((gap, i) => {
        const base = 5_000 * 2 ** i;
        expect(gap).toBeGreaterThanOrEqual(base * 0.8 - 1);
        expect(gap).toBeLessThanOrEqual(base * 1.2 + 1_000);
      });
      expect(times.at(-1)!).toBeGreaterThanOrEqual(quotaUntil);
      firstGaps.push(gaps[0]!);
    }
    // Jitter: the jobs that met 45009 together do not come back together.
    expect(new Set(firstGaps).size).toBeGreaterThan(2);
  }, 90_000);

  it('41030 fails those jobs for good with the errcode and errmsg; retryFailedCodes after the page is published makes them', async () => {
    const tracker = c.open();
    c.wechat.unreleased.add(UNPUBLISHED);
    await tracker.pregenerateCodes({ userIds: [1, 2, 3, 4, 5, 6], page: PUBLISHED });
    await tracker.pregenerateCodes({ userIds: [7, 8, 9, 10], page: `/${UNPUBLISHED}` });
    worker = tracker.startWorker({ pollMs: 20 });
    await until(async () => {
      const jobs = await tracker.codeJobs();
      return jobs.done === 6 && jobs.failed === 4;
    });
    const report = await tracker.codeJobs();
    expect(report).toMatchObject({ pending: 0, done: 6, failed: 4 });
    expect(report.failures).toEqual([{ errcode: 41030, errmsg: expect.stringContaining('invalid page'), count: 4 }]);
    // Failed for good: one attempt each, none since.
    expect(c.wechat.codeRequests.filter((r) => r.body.page === UNPUBLISHED)).toHaveLength(4);
    expect((await tracker.getOrCreatePromo({ userId: 7 })).wxbcode).toBeNull();
    expect(c.wechat.codeRequests).toHaveLength(10);

    c.wechat.unreleased.delete(UNPUBLISHED);
    expect(await tracker.retryFailedCodes()).toEqual({ queued: 4 });
    await until(async () => (await tracker.codeJobs()).done === 10);
    expect(await tracker.codeJobs()).toEqual({ pending: 0, done: 10, failed: 0, failures: [] });
    expect((await tracker.getOrCreatePromo({ userId: 7 })).wxbcode).not.toBeNull();
    expect(await tracker.retryFailedCodes()).toEqual({ queued: 0 });
  });

  it('getOrCreatePromo past the shared budget queues the code (two trackers, one budget); the worker makes it when the window allows', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const a = c.open({ maxPerMinute: 3 });
    const b = c.open({ maxPerMinute: 3 });
    const promos = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).getOrCreatePromo({ userId: 300 + i })));
    expect(promos.filter((p) => p.wxbcode !== null)).toHaveLength(3);
    expect(c.wechat.codeRequests).toHaveLength(3);
    expect(await a.codeJobs()).toMatchObject({ pending: 7, done: 3 });
    expect(c.events.filter((e) => e.type === 'wxacode.failed' && /budget/.test(e.reason))).toHaveLength(7);
    // Still within the window: a later call asks nothing.
    const waiting = promos.find((p) => !p.wxbcode)!;
    expect((await a.getOrCreatePromo({ userId: waiting.userId })).wxbcode).toBeNull();
    expect(c.wechat.codeRequests).toHaveLength(3);

    worker = b.startWorker({ pollMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(c.wechat.codeRequests).toHaveLength(3);
    vi.setSystemTime(Date.now() + 61_000);
    await until(async () => (await a.codeJobs()).done === 6);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(c.wechat.codeRequests).toHaveLength(6);
    vi.setSystemTime(Date.now() + 61_000);
    await until(async () => (await a.codeJobs()).done === 9);
    vi.setSystemTime(Date.now() + 61_000);
    await until(async () => (await a.codeJobs()).done === 10);
    expect(c.wechat.codeRequests).toHaveLength(10);
    expect(new Set(c.wechat.codeRequests.map((r) => r.body.scene)).size).toBe(10);
  });

  it("forgetUser removes the user's code jobs with their promos", async () => {
    const tracker = c.open();
    await tracker.pregenerateCodes({ userIds: [1, 2, 3] });
    await tracker.forgetUser(2);
    expect(await tracker.codeJobs()).toMatchObject({ pending: 2 });
  });

  it('bad input to pregenerateCodes is a ValidationError and queues nothing', async () => {
    const tracker = c.open();
    for (const input of [
      { userIds: [] },
      { userIds: [0] },
      { userIds: Array.from({ length: 10_001 }, (_, i) => i + 1) },
      { userIds: [1], promoType: -1 },
    ]) {
      await expect(tracker.pregenerateCodes(input)).rejects.toMatchObject({ code: 'validation_failed' });
    }
    expect(await tracker.codeJobs()).toEqual({ pending: 0, done: 0, failed: 0, failures: [] });
    expect((await f.counts()).promo).toBe(0);
  });
});
