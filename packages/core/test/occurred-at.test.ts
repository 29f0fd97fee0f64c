import { afterEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '@promo-track/core';
import { DAY, eachDatabase, freezeTime, rejection, useTracker } from './support.js';

const NOW = Date.parse('2026-05-20T04:00:00.000Z');
const MINUTE = 60_000;

eachDatabase((database) => {
  describe('occurredAt: visits and shares that carry when they happened', () => {
    const f = useTracker(database);
    afterEach(() => vi.useRealTimers());

    it('becomes createdAt of tracks (single and batch) and shares', async () => {
      freezeTime(NOW);
      const { promocode } = await f.tracker.getOrCreatePromo({ userId: 1 });
      const at = new Date(NOW - 2 * DAY);
      expect((await f.tracker.recordTrack({ userId: 10, promocode, scene: 1047, occurredAt: at })).createdAt).toEqual(at);
      const [a, b] = await f.tracker.recordTracks([
        { userId: 11, promocode, scene: 1047, occurredAt: new Date(NOW - DAY) },
        { userId: 12, promocode, scene: 1047 },
      ]);
      expect([a!.createdAt, b!.createdAt]).toEqual([new Date(NOW - DAY), new Date(NOW)]);
      expect((await f.tracker.recordShare({ userId: 10, promocode, occurredAt: at })).createdAt).toEqual(at);
      expect((await f.tracker.getReferrer(10))?.boundAt).toEqual(at);
      const stats = await f.tracker.stats();
      expect(stats.byDay.map((d) => d.day)).toEqual(['2026-05-18', '2026-05-19', '2026-05-20']);
    });

    it('refuses more than 5 minutes ahead or older than backdateDays, and writes nothing', async () => {
      freezeTime(NOW);
      const { promocode } = await f.tracker.getOrCreatePromo({ userId: 1 });
      const before = await f.counts();
      const ahead = await rejection(
        f.tracker.recordTrack({ userId: 10, promocode, scene: 1047, occurredAt: new Date(NOW + 5 * MINUTE + 1) }),
        ValidationError,
      );
      expect(ahead.issues).toEqual([{ path: 'occurredAt', message: expect.stringContaining('future') }]);
      const old = await rejection(
        f.tracker.recordTracks([
          { userId: 10, promocode, scene: 1047 },
          { userId: 11, promocode, scene: 1047, occurredAt: new Date(NOW - 7 * DAY - 1) },
        ]),
        ValidationError,
      );
      expect(old.issues).toEqual([{ path: '1.occurredAt', message: expect.stringContaining('backdateDays') }]);
      await rejection(f.tracker.recordShare({ userId: 10, occurredAt: new Date(NOW + DAY) }), ValidationError);
      expect(await f.counts()).toEqual(before);
      // The edges themselves are in range.
      await f.tracker.recordTrack({ userId: 10, promocode, scene: 1047, occurredAt: new Date(NOW + 5 * MINUTE) });
      await f.make({ backdateDays: 30 }).recordTrack({ userId: 11, promocode, scene: 1047, occurredAt: new Date(NOW - 30 * DAY) });
    });

    it('a late-arriving older visit never undoes a binding made meanwhile (first-touch and last-touch)', async () => {
      freezeTime(NOW);
      const [b, c] = await Promise.all([1, 2].map(async (u) => (await f.tracker.getOrCreatePromo({ userId: u })).promocode));
      await f.tracker.recordTrack({ userId: 10, promocode: b!, scene: 1047 });
      await f.tracker.recordTrack({ userId: 10, promocode: c!, scene: 1007, occurredAt: new Date(NOW - DAY) });
      const lastTouch = f.make({ attribution: { model: 'last-touch' } });
      await lastTouch.recordTrack({ userId: 20, promocode: b!, scene: 1047 });
      await lastTouch.recordTrack({ userId: 20, promocode: c!, scene: 1007, occurredAt: new Date(NOW - DAY) });
      for (const user of [10, 20]) {
        expect((await f.tracker.getReferrer(user))?.referrerId).toBe(1);
        expect((await f.tracker.explainReferral(user)).decisions.map((d) => d.outcome)).toEqual(['bound', 'kept']);
      }
    });

    it('windows and purge are measured from occurredAt', async () => {
      freezeTime(NOW);
      const lastTouch = f.make({ attribution: { model: 'last-touch', windowDays: 3 }, backdateDays: 10 });
      const [b, c] = await Promise.all([1, 2].map(async (u) => (await lastTouch.getOrCreatePromo({ userId: u })).promocode));
      await lastTouch.recordTrack({ userId: 10, promocode: b!, scene: 1047, occurredAt: new Date(NOW - 5 * DAY) });
      await lastTouch.recordTrack({ userId: 10, promocode: c!, scene: 1047 }); // 5 days after the first visit
      expect((await lastTouch.explainReferral(10)).decisions.map((d) => d.outcome)).toEqual(['bound', 'outside_window']);
      expect(await lastTouch.purge({ before: new Date(NOW - 4 * DAY) })).toEqual({ tracks: 1, shares: 0 });
      expect((await lastTouch.getReferrer(10))?.referrerId).toBe(1);
    });
  });
});
