import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type Referral, type Tracker, type TrackerEvent, ValidationError } from '@promo-track/core';
import { DAY, eachDatabase, freezeTime, rejection, useTracker } from './support.js';

const T0 = Date.UTC(2026, 0, 10, 8, 0, 0);
const at = (ms: number) => vi.setSystemTime(new Date(ms));

eachDatabase((database) => {
  const events: TrackerEvent[] = [];
  const f = useTracker(database, { onEvent: (e) => void events.push(e) });
  let a: string; // user 1's promocode
  let b: string; // user 2's
  beforeEach(async () => {
    a = (await f.tracker.getOrCreatePromo({ userId: 1 })).promocode;
    b = (await f.tracker.getOrCreatePromo({ userId: 2 })).promocode;
    events.length = 0;
  });
  const outcomes = async (tracker: Tracker, userId: number) => (await tracker.explainReferral(userId)).decisions.map((d) => d.outcome);

  describe('getReferrer and first-touch attribution (the default)', () => {
    it('answers null for a user who has no referrer', async () => {
      expect(await f.tracker.getReferrer(10)).toBeNull();
    });

    it('binds the owner of the promocode of the user’s first visit', async () => {
      const track = await f.tracker.recordTrack({ userId: 10, promocode: a, scene: 1047 });
      const referral = await f.tracker.getReferrer(10);
      expect(referral).toEqual({ userId: 10, referrerId: 1, promocode: a, scene: '1047', trackId: track.id, boundAt: track.createdAt });
      expect(events.find((e) => e.type === 'referral.bound')).toEqual({ type: 'referral.bound', referral, previousReferrerId: null });
    });

    it('never changes the binding afterwards, whatever the later visits say', async () => {
      await f.tracker.recordTrack({ userId: 10, promocode: a, scene: 1047 });
      const bound = await f.tracker.getReferrer(10);
      await f.tracker.recordTrack({ userId: 10, promocode: b, scene: 1047 });
      await f.tracker.recordTrack({ userId: 10, promocode: b, scene: 1007, trackType: 1 });
      expect(await f.tracker.getReferrer(10)).toEqual(bound);
      expect(await outcomes(f.tracker, 10)).toEqual(['bound', 'kept', 'kept']);
      expect(events.filter((e) => e.type === 'referral.bound')).toHaveLength(1);
    });

    it('a visit through one’s own code is recorded and never binds', async () => {
      const own = await f.tracker.recordTrack({ userId: 1, promocode: a, scene: 1047 });
      expect(own).toMatchObject({ trackType: 1, referrerId: 1 });
      expect(await f.tracker.getReferrer(1)).toBeNull();
      await f.tracker.recordTrack({ userId: 1, promocode: a, scene: 1047, trackType: 1 });
      expect(await f.tracker.getReferrer(1)).toBeNull();
      expect(await outcomes(f.tracker, 1)).toEqual(['self', 'self']);
      expect(events.filter((e) => e.type === 'referral.bound')).toEqual([]);
      expect((await f.counts()).track).toBe(2);
    });

    it('a returning user’s visit does not bind', async () => {
      await f.tracker.recordTrack({ userId: 11, promocode: a, scene: 1047, trackType: 2 });
      expect(await f.tracker.getReferrer(11)).toBeNull();
      expect(await outcomes(f.tracker, 11)).toEqual(['returning_user']);
    });

    it('a visit from an excluded scene (1129, WeChat’s crawler) is stored and never binds', async () => {
      const crawl = await f.tracker.recordTrack({ userId: 12, promocode: a, scene: 1129 });
      expect(crawl.trackType).toBe(1);
      expect(await f.tracker.getReferrer(12)).toBeNull();
      expect(await outcomes(f.tracker, 12)).toEqual(['excluded_scene']);
      expect((await f.counts()).track).toBe(1);
    });

    it('refuses a bad user id', async () => {
      for (const id of [0, -1, 2 ** 31, 1.5, '1']) await rejection(f.tracker.getReferrer(id as never), ValidationError);
    });
  });

  describe('windowDays, measured from the user’s first visit', () => {
    it('first-touch: a later visit never binds, whatever its trackType says and however soon it comes', async () => {
      const tracker = f.make({ attribution: { model: 'first-touch', windowDays: 7 } });
      freezeTime(T0);
      // Users 20 and 21 first arrive through their own codes: nothing to bind yet.
      const c20 = (await tracker.getOrCreatePromo({ userId: 20 })).promocode;
      const c21 = (await tracker.getOrCreatePromo({ userId: 21 })).promocode;
      await tracker.recordTrack({ userId: 20, promocode: c20, scene: 1047 });
      await tracker.recordTrack({ userId: 21, promocode: c21, scene: 1047 });
      at(T0 + 7 * DAY); // exactly the window: still in
      await tracker.recordTrack({ userId: 20, promocode: a, scene: 1047, trackType: 1 });
      at(T0 + 7 * DAY + 1); // a millisecond past it
      await tracker.recordTrack({ userId: 21, promocode: a, scene: 1047, trackType: 1 });
      expect(await tracker.getReferrer(20)).toBeNull();
      expect(await tracker.getReferrer(21)).toBeNull();
      expect(await outcomes(tracker, 20)).toEqual(['self', 'returning_user']);
      expect(await outcomes(tracker, 21)).toEqual(['self', 'returning_user']);
    });

    it('last-touch: a new user’s latest visit within windowDays (default 30) re-binds, whatever its trackType; later ones are outside_window', async () => {
      const tracker = f.make({ attribution: { model: 'last-touch' } });
      freezeTime(T0);
      await tracker.recordTrack({ userId: 30, promocode: a, scene: 1047 });
      expect((await tracker.getReferrer(30))?.referrerId).toBe(1);

      at(T0 + DAY);
      events.length = 0;
      const rebind = await tracker.recordTrack({ userId: 30, promocode: b, scene: 1007, trackType: 1 });
      const referral: Referral = {
        userId: 30,
        referrerId: 2,
        promocode: b,
        scene: '1007',
        trackId: rebind.id,
        boundAt: new Date(T0 + DAY),
      };
      expect(await tracker.getReferrer(30)).toEqual(referral);
      expect(events).toContainEqual({ type: 'referral.bound', referral, previousReferrerId: 1 });

      at(T0 + 2 * DAY);
      await tracker.recordTrack({ userId: 30, promocode: b, scene: 1047 }); // same referrer: kept
      const latest = await tracker.recordTrack({ userId: 30, promocode: a, scene: 1047, trackType: 2 }); // re-binds all the same
      at(T0 + 30 * DAY + 1);
      await tracker.recordTrack({ userId: 30, promocode: b, scene: 1047, trackType: 1 }); // past the window
      expect(await tracker.getReferrer(30)).toEqual({
        ...referral,
        referrerId: 1,
        promocode: a,
        scene: '1047',
        trackId: latest.id,
        boundAt: latest.createdAt,
      });
      expect(await outcomes(tracker, 30)).toEqual(['bound', 'rebound', 'kept', 'rebound', 'outside_window']);
    });

    it('last-touch with windowDays: 1 never re-binds after a day, and self visits never bind', async () => {
      const tracker = f.make({ attribution: { model: 'last-touch', windowDays: 1 } });
      freezeTime(T0);
      await tracker.recordTrack({ userId: 31, promocode: a, scene: 1047 });
      at(T0 + DAY / 2);
      await tracker.recordTrack({ userId: 31, promocode: b, scene: 1047, trackType: 1 });
      expect((await tracker.getReferrer(31))?.referrerId).toBe(2);
      await tracker.recordTrack({ userId: 2, promocode: b, scene: 1047 });
      expect(await tracker.getReferrer(2)).toBeNull();
      at(T0 + 2 * DAY);
      await tracker.recordTrack({ userId: 31, promocode: a, scene: 1047, trackType: 1 });
      expect((await tracker.getReferrer(31))?.referrerId).toBe(2);
    });
  });

  describe('listReferrals', () => {
    /** Binds each user to user 1 at the given time (ms after T0). */
    async function bind(entries: [userId: number, offset: number][], promocode = a) {
      const tracks = [];
      for (const [userId, offset] of entries) {
        at(T0 + offset);
        tracks.push(await f.tracker.recordTrack({ userId, promocode, scene: 1047 }));
      }
      return tracks;
    }

    it('lists the users a referrer brought, newest first, ties by track id descending', async () => {
      freezeTime(T0);
      const tracks = await bind([
        [100, 0],
        [101, 5000],
        [102, 5000],
        [103, 1000],
        [104, 5000],
      ]);
      await bind([[200, 9000]], b); // someone else's
      const { items, nextCursor } = await f.tracker.listReferrals(1);
      expect(items.map((r) => r.userId)).toEqual([104, 102, 101, 103, 100]);
      expect(nextCursor).toBeNull();
      expect(items[0]).toEqual({
        userId: 104,
        referrerId: 1,
        promocode: a,
        scene: '1047',
        trackId: tracks[4].id,
        boundAt: new Date(T0 + 5000),
      });
      expect((await f.tracker.listReferrals(2)).items.map((r) => r.userId)).toEqual([200]);
      expect(await f.tracker.listReferrals(3)).toEqual({ items: [], nextCursor: null });
    });

    it('pages with a stable cursor: every referral once, in order, even while new ones arrive', async () => {
      freezeTime(T0);
      const entries: [number, number][] = Array.from({ length: 11 }, (_, i) => [300 + i, Math.floor(i / 3) * 1000]); // ties in threes
      await bind(entries);
      const all = (await f.tracker.listReferrals(1, { limit: 500 })).items;
      expect(all).toHaveLength(11);

      const seen: Referral[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { items: Referral[]; nextCursor: string | null } = await f.tracker.listReferrals(1, { limit: 4, cursor });
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
        if (pages === 1) await bind([[399, 60_000]]); // a newer referral after the first page: not in this walk
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(all);
      expect((await f.tracker.listReferrals(1)).items[0].userId).toBe(399);
    });

    it('answers nextCursor null when the last page is exactly full', async () => {
      freezeTime(T0);
      await bind([
        [400, 0],
        [401, 1],
        [402, 2],
        [403, 3],
      ]);
      const first = await f.tracker.listReferrals(1, { limit: 2 });
      expect(first.items.map((r) => r.userId)).toEqual([403, 402]);
      const second = await f.tracker.listReferrals(1, { limit: 2, cursor: first.nextCursor });
      expect(second.items.map((r) => r.userId)).toEqual([401, 400]);
      expect(second.nextCursor).toBeNull();
    });

    it('defaults to 50 and refuses a bad limit, cursor or referrer id', async () => {
      freezeTime(T0);
      await f.tracker.recordTracks(Array.from({ length: 55 }, (_, i) => ({ userId: 500 + i, promocode: a, scene: 1047 })));
      const page = await f.tracker.listReferrals(1);
      expect(page.items).toHaveLength(50);
      expect(page.nextCursor).toEqual(expect.any(String));
      expect((await f.tracker.listReferrals(1, { cursor: page.nextCursor })).items).toHaveLength(5);
      for (const limit of [0, 501, 2.5, '10']) {
        const error = await rejection(f.tracker.listReferrals(1, { limit: limit as never }), ValidationError);
        expect(error.issues[0].path).toBe('limit');
      }
      for (const cursor of ['garbage', '!!!', 'x'.repeat(200)]) {
        const error = await rejection(f.tracker.listReferrals(1, { cursor }), ValidationError);
        expect(error.issues[0].path).toBe('cursor');
      }
      await rejection(f.tracker.listReferrals(0), ValidationError);
    });
  });
});
