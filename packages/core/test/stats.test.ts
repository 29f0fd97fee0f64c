import { beforeAll, describe, expect, it, vi } from 'vitest';
import { sceneLabel, type Stats, ValidationError } from '@promo-track/core';
import { eachDatabase, freezeTime, rejection, useTracker } from './support.js';

const t1 = Date.parse('2026-03-01T00:00:00.000Z');
const t2 = Date.parse('2026-03-01T23:59:59.999Z');
const t3 = Date.parse('2026-03-02T00:00:00.000Z');
const t4 = Date.parse('2026-03-02T10:00:00.000Z');
const t5 = Date.parse('2026-03-02T11:00:00.000Z');
const t6 = Date.parse('2026-03-03T05:00:00.000Z');

const empty: Stats = {
  visits: 0,
  newUserVisits: 0,
  returningUserVisits: 0,
  uniqueVisitors: 0,
  referrals: 0,
  shares: 0,
  byScene: [],
  byDay: [],
  byShareType: [],
  uniqueVisitorsEstimated: false,
  conversions: { count: 0, referred: 0, byType: [], revenue: [] },
};

/** byShareType has no documented order: compare it sorted. */
const sorted = (s: Stats) => ({ ...s, byShareType: [...s.byShareType].sort((x, y) => x.shareType - y.shareType) });

eachDatabase((database) => {
  const f = useTracker(database, {}, { emptyEachTest: false });
  let A: string; // user 1, no appid
  let A2: string; // user 1, appid wxA
  let B: string; // user 2, appid wxA
  let C: string; // user 3

  // Visits and shares at known instants, around UTC midnights:
  //   t1 03-01 00:00:00.000  user 10 via A, 1047 (new → binds 10 to 1)      share type 1 via A
  //   t2 03-01 23:59:59.999  user 10 via A, 1047 (returning)
  //   t3 03-02 00:00:00.000  user 11 via A2, 1007 (new → binds 11 to 1)     share type 2 via A2
  //   t4 03-02 10:00         user 12 via B, 1047 (new → binds 12 to 2)      share type 0 via B
  //   t5 03-02 11:00         user 13 via A, 1129 (the crawler: stored, never counted, never binds)
  //   t6 03-03 05:00         user 11 via C, 9999 (returning, undocumented scene)  share type 1, no promocode
  // Read-only tests share this data set; the one test that adds rows runs last.
  beforeAll(async () => {
    freezeTime(t1 - 60_000);
    A = (await f.tracker.getOrCreatePromo({ userId: 1 })).promocode;
    A2 = (await f.tracker.getOrCreatePromo({ userId: 1, appid: 'wxA' })).promocode;
    B = (await f.tracker.getOrCreatePromo({ userId: 2, appid: 'wxA' })).promocode;
    C = (await f.tracker.getOrCreatePromo({ userId: 3 })).promocode;
    const at = (ms: number) => vi.setSystemTime(new Date(ms));
    at(t1);
    await f.tracker.recordTrack({ userId: 10, promocode: A, scene: 1047 });
    await f.tracker.recordShare({ userId: 10, shareType: 1, promocode: A });
    at(t2);
    await f.tracker.recordTrack({ userId: 10, promocode: A, scene: 1047 });
    at(t3);
    await f.tracker.recordTrack({ userId: 11, promocode: A2, scene: '1007' });
    await f.tracker.recordShare({ userId: 11, shareType: 2, promocode: A2 });
    at(t4);
    await f.tracker.recordTrack({ userId: 12, promocode: B, scene: 1047 });
    await f.tracker.recordShare({ promocode: B });
    at(t5);
    await f.tracker.recordTrack({ userId: 13, promocode: A, scene: 1129 });
    at(t6);
    await f.tracker.recordTrack({ userId: 11, promocode: C, scene: 9999 });
    await f.tracker.recordShare({ userId: 11, shareType: 1 });
    vi.useRealTimers();
  });

  describe('stats', () => {
    it('answers every field over everything, without the crawler’s visits', async () => {
      const stats = await f.tracker.stats();
      expect(sorted(stats)).toEqual({
        visits: 5,
        newUserVisits: 3,
        returningUserVisits: 2,
        uniqueVisitors: 3,
        uniqueVisitorsEstimated: false,
        referrals: 3,
        shares: 4,
        byScene: [
          { scene: '1047', label: sceneLabel('1047'), visits: 3 },
          { scene: '1007', label: sceneLabel('1007'), visits: 1 },
          { scene: '9999', label: null, visits: 1 },
        ],
        byDay: [
          { day: '2026-03-01', visits: 2, newUserVisits: 1, shares: 1, conversions: 0 },
          { day: '2026-03-02', visits: 2, newUserVisits: 2, shares: 2, conversions: 0 },
          { day: '2026-03-03', visits: 1, newUserVisits: 0, shares: 1, conversions: 0 },
        ],
        byShareType: [
          { shareType: 0, shares: 1 },
          { shareType: 1, shares: 2 },
          { shareType: 2, shares: 1 },
        ],
        conversions: empty.conversions,
      });
      expect(sceneLabel('1047')).toEqual(expect.any(String));
      expect(await f.tracker.stats({})).toEqual(stats);
    });

    it('counts the crawler’s visits when excludeScenes is emptied, and drops other scenes when listed', async () => {
      const all = await f.make({ excludeScenes: [] }).stats();
      expect(all).toMatchObject({ visits: 6, newUserVisits: 4, uniqueVisitors: 4 });
      expect(all.byScene.find((s) => s.scene === '1129')).toEqual({ scene: '1129', label: sceneLabel(1129), visits: 1 });
      const no1047 = await f.make({ excludeScenes: ['1129', 1047] }).stats();
      expect(no1047).toMatchObject({ visits: 2, newUserVisits: 1, uniqueVisitors: 1 });
    });

    it('userId: all the promos of that user', async () => {
      expect(sorted(await f.tracker.stats({ userId: 1 }))).toEqual({
        visits: 3,
        newUserVisits: 2,
        returningUserVisits: 1,
        uniqueVisitors: 2,
        uniqueVisitorsEstimated: false,
        referrals: 2,
        shares: 2,
        byScene: [
          { scene: '1047', label: sceneLabel('1047'), visits: 2 },
          { scene: '1007', label: sceneLabel('1007'), visits: 1 },
        ],
        byDay: [
          { day: '2026-03-01', visits: 2, newUserVisits: 1, shares: 1, conversions: 0 },
          { day: '2026-03-02', visits: 1, newUserVisits: 1, shares: 1, conversions: 0 },
        ],
        byShareType: [
          { shareType: 1, shares: 1 },
          { shareType: 2, shares: 1 },
        ],
        conversions: empty.conversions,
      });
      expect(await f.tracker.stats({ userId: 3 })).toMatchObject({
        visits: 1,
        newUserVisits: 0,
        returningUserVisits: 1,
        referrals: 0,
        shares: 0,
      });
      expect(await f.tracker.stats({ userId: 99 })).toEqual(empty);
    });

    it('promocode: that one code', async () => {
      expect(await f.tracker.stats({ promocode: A2 })).toMatchObject({
        visits: 1,
        newUserVisits: 1,
        uniqueVisitors: 1,
        referrals: 1,
        shares: 1,
      });
      expect(await f.tracker.stats({ promocode: A })).toMatchObject({
        visits: 2,
        newUserVisits: 1,
        uniqueVisitors: 1,
        referrals: 1,
        shares: 1,
      });
      expect(await f.tracker.stats({ promocode: 'NoSuchCode' })).toEqual(empty);
    });

    it('appid: the promos of that mini-program', async () => {
      const stats = await f.tracker.stats({ appid: 'wxA' });
      expect(stats).toMatchObject({ visits: 2, newUserVisits: 2, uniqueVisitors: 2, referrals: 2, shares: 2 });
      expect(stats.byDay).toEqual([{ day: '2026-03-02', visits: 2, newUserVisits: 2, shares: 2, conversions: 0 }]);
      expect(await f.tracker.stats({ appid: 'wxB' })).toEqual(empty);
      expect(await f.tracker.stats({ appid: 'wxA', userId: 2 })).toMatchObject({ visits: 1, referrals: 1, shares: 1 });
    });

    it('from is inclusive and to is exclusive, to the millisecond', async () => {
      expect(await f.tracker.stats({ from: new Date(t3), to: new Date(t6) })).toMatchObject({
        visits: 2,
        newUserVisits: 2,
        uniqueVisitors: 2,
        referrals: 2,
        shares: 2,
      });
      expect((await f.tracker.stats({ from: new Date(t2) })).visits).toBe(4);
      expect((await f.tracker.stats({ from: new Date(t2 + 1) })).visits).toBe(3);
      expect(await f.tracker.stats({ to: new Date(t2) })).toMatchObject({ visits: 1, referrals: 1, shares: 1 });
      expect((await f.tracker.stats({ to: new Date(t2 + 1) })).visits).toBe(2);
      expect(await f.tracker.stats({ from: new Date(t3), to: new Date(t3) })).toEqual(empty);
      expect((await f.tracker.stats({ userId: 1, from: new Date(t2) })).visits).toBe(2);
    });

    it('byDay splits at UTC midnight', async () => {
      const { byDay } = await f.tracker.stats({ from: new Date(t2), to: new Date(t3 + 1) });
      expect(byDay).toEqual([
        { day: '2026-03-01', visits: 1, newUserVisits: 0, shares: 0, conversions: 0 },
        { day: '2026-03-02', visits: 1, newUserVisits: 1, shares: 1, conversions: 0 },
      ]);
    });

    it('refuses bad queries', async () => {
      for (const query of [{ from: '2026-03-01' }, { to: new Date('nope') }, { userId: 0 }, { promocode: 'x'.repeat(65) }, { appid: 7 }]) {
        await rejection(f.tracker.stats(query as never), ValidationError);
      }
    });
  });

  describe('leaderboard', () => {
    it('ranks referrers by referrals, with their counted visits', async () => {
      expect(await f.tracker.leaderboard()).toEqual([
        { referrerId: 1, referrals: 2, visits: 3, conversions: 0, revenue: 0 },
        { referrerId: 2, referrals: 1, visits: 1, conversions: 0, revenue: 0 },
      ]);
      expect(await f.tracker.leaderboard({ limit: 1 })).toEqual([{ referrerId: 1, referrals: 2, visits: 3, conversions: 0, revenue: 0 }]);
    });

    it('takes from (inclusive) and to (exclusive)', async () => {
      const board = await f.tracker.leaderboard({ from: new Date(t3) });
      expect(board).toHaveLength(2);
      expect(board).toEqual(
        expect.arrayContaining([
          { referrerId: 1, referrals: 1, visits: 1, conversions: 0, revenue: 0 },
          { referrerId: 2, referrals: 1, visits: 1, conversions: 0, revenue: 0 },
        ]),
      );
      expect(await f.tracker.leaderboard({ to: new Date(t3) })).toEqual([
        { referrerId: 1, referrals: 1, visits: 2, conversions: 0, revenue: 0 },
      ]);
      expect(await f.tracker.leaderboard({ from: new Date(t6 + 1) })).toEqual([]);
    });

    it('refuses a bad limit or date', async () => {
      for (const query of [{ limit: 0 }, { limit: 501 }, { limit: 1.5 }, { from: 'today' }]) {
        await rejection(f.tracker.leaderboard(query as never), ValidationError);
      }
    });

    it('refuses `from` after `to` in stats, leaderboard and the exports, naming `from`; an empty range is fine', async () => {
      const reversed = { from: new Date(t3), to: new Date(t3 - 1) };
      const issues = [{ path: 'from', message: 'must not be after `to`' }];
      expect((await rejection(f.tracker.stats(reversed), ValidationError)).issues).toEqual(issues);
      expect((await rejection(f.tracker.stats({ userId: 1, ...reversed }), ValidationError)).issues).toEqual(issues);
      expect((await rejection(f.tracker.leaderboard(reversed), ValidationError)).issues).toEqual(issues);
      expect(() => f.tracker.exportTracks(reversed)).toThrow(ValidationError);
      expect(() => f.tracker.exportReferrals(reversed)).toThrow(ValidationError);
      expect(await f.tracker.leaderboard({ from: new Date(t3), to: new Date(t3) })).toEqual([]);
    });
    it('grows with many referrers and stays ordered (adds rows: last)', async () => {
      const codes = await Promise.all([20, 21, 22].map(async (userId) => (await f.tracker.getOrCreatePromo({ userId })).promocode));
      const inputs = [
        ...Array.from({ length: 5 }, (_, i) => ({ userId: 100 + i, promocode: codes[1], scene: 1047 })),
        ...Array.from({ length: 3 }, (_, i) => ({ userId: 200 + i, promocode: codes[2], scene: 1047 })),
      ];
      await f.tracker.recordTracks(inputs);
      const board = await f.tracker.leaderboard({ limit: 3 });
      expect(board.map((e) => [e.referrerId, e.referrals])).toEqual([
        [21, 5],
        [22, 3],
        [1, 2],
      ]);
    });
  });
});
