import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { eachDatabase, freezeTime, type TrackerFixture, useTracker } from './support.js';

/**
 * A visit and its binding written behind the library's back (no invalidation): whether the
 * leaderboard counts them shows whether their hour was read from the raw rows or from a rollup.
 */
async function sneak(f: TrackerFixture, promocode: string, referrer: number, at: string, userId: number): Promise<void> {
  const created_at = Date.parse(at);
  await f.db
    .insertInto(`${f.prefix}track`)
    .values({ track_type: 1, scene: '1047', user_id: userId, promocode, referrer, created_at })
    .execute();
  await f.db
    .insertInto(`${f.prefix}referral`)
    .values({ user_id: userId, referrer, promocode, scene: '1047', track_id: 0, bound_at: created_at })
    .execute();
}

const count = async (f: TrackerFixture, table: string, where = sql`1 = 1`) =>
  Number((await sql<{ n: unknown }>`select count(*) as n from ${sql.table(f.prefix + table)} where ${where}`.execute(f.db)).rows[0]!.n);

eachDatabase((database) => {
  describe('the leaderboard from rollups (Asia/Shanghai)', () => {
    const f = useTracker(database, { timeZone: 'Asia/Shanghai' });
    const week = { from: new Date('2026-03-04T00:00:00+08:00') };

    /** Owners 1 and 2; on the 8th (a closed day) and today before 15:00 (closed hours), users visit through their codes. */
    async function seed(): Promise<{ one: string; two: string }> {
      freezeTime('2026-03-10T15:30:00+08:00');
      const one = (await f.tracker.getOrCreatePromo({ userId: 1 })).promocode;
      const two = (await f.tracker.getOrCreatePromo({ userId: 2 })).promocode;
      const visits: [string, number, string][] = [
        [one, 101, '2026-03-08T10:00'],
        [one, 102, '2026-03-08T11:00'],
        [two, 103, '2026-03-08T12:00'],
        [one, 101, '2026-03-08T13:00'], // a returning visit
        [two, 104, '2026-03-10T09:10'],
        [two, 105, '2026-03-10T14:20'],
        [two, 106, '2026-03-10T14:30'],
        [one, 107, '2026-03-10T15:05'], // the open hour
      ];
      for (const [promocode, userId, at] of visits)
        await f.tracker.recordTrack({ userId, promocode, scene: '1047', occurredAt: new Date(`${at}:00+08:00`) });
      // The crawler's visit is stored, never counted.
      await f.tracker.recordTrack({ userId: 108, promocode: one, scene: '1129', occurredAt: new Date('2026-03-08T14:00:00+08:00') });
      return { one, two };
    }

    it("closed days and hours come from the referrers' rollups; only the open hour and a range's uneven edge are read from the raw rows", async () => {
      const { one, two } = await seed();
      const expected = [
        { referrerId: 2, referrals: 4, visits: 4, conversions: 0, revenue: 0 },
        { referrerId: 1, referrals: 3, visits: 4, conversions: 0, revenue: 0 },
      ];
      expect(await f.tracker.leaderboard(week)).toEqual(expected);
      expect(await count(f, 'rollup_referrals')).toBeGreaterThan(0);
      await sneak(f, one, 1, '2026-03-08T15:00:00+08:00', 201); // a closed day: not seen
      await sneak(f, one, 1, '2026-03-10T14:40:00+08:00', 202); // a closed hour: not seen
      expect(await f.tracker.leaderboard(week)).toEqual(expected);
      await sneak(f, one, 1, '2026-03-10T15:10:00+08:00', 203); // the open hour: seen
      await sneak(f, one, 1, '2026-03-10T15:20:00+08:00', 204);
      expect(await f.tracker.leaderboard(week)).toEqual([
        { referrerId: 1, referrals: 5, visits: 6, conversions: 0, revenue: 0 },
        { referrerId: 2, referrals: 4, visits: 4, conversions: 0, revenue: 0 },
      ]);
      // From 13:25 on: the edge 13:25–14:00 is read live (the sneaked 13:40), hour 14 from its rollup
      // (two's 14:20 and 14:30, not the sneaked 14:40), the open hour live.
      await sneak(f, one, 1, '2026-03-10T13:40:00+08:00', 205);
      const from = new Date('2026-03-10T13:25:00+08:00');
      expect(await f.tracker.leaderboard({ from })).toEqual([
        { referrerId: 1, referrals: 4, visits: 4, conversions: 0, revenue: 0 },
        { referrerId: 2, referrals: 2, visits: 2, conversions: 0, revenue: 0 },
      ]);
      expect(await f.tracker.leaderboard({ from, limit: 1 })).toEqual([
        { referrerId: 1, referrals: 4, visits: 4, conversions: 0, revenue: 0 },
      ]);
      expect(await f.tracker.leaderboard({ from, to: new Date('2026-03-10T15:00:00+08:00') })).toEqual([
        { referrerId: 2, referrals: 2, visits: 2, conversions: 0, revenue: 0 },
        { referrerId: 1, referrals: 1, visits: 1, conversions: 0, revenue: 0 },
      ]);
      void two;
    });

    it('a bucket built before migration 0007 (details 1, without referrers) is built again when the leaderboard needs it', async () => {
      await seed();
      const expected = await f.tracker.leaderboard(week);
      // As an older version of the library left them: the same rows, no referrers' counts.
      for (const table of ['rollup_referrals', 'rollup_ref_visits', 'rollup_hour_referrals', 'rollup_hour_ref_visits'])
        await f.db.deleteFrom(f.prefix + table).execute();
      for (const table of ['rollup_day', 'rollup_hour'])
        await f.db
          .updateTable(f.prefix + table)
          .set({ details: 1 })
          .execute();
      expect(await count(f, 'rollup_day', sql`details = 1`)).toBeGreaterThan(0);
      expect(await f.tracker.leaderboard(week)).toEqual(expected);
      expect(await count(f, 'rollup_day', sql`details = 1`)).toBe(0);
      expect(await count(f, 'rollup_referrals')).toBeGreaterThan(0);
    });

    it('a bucket built before migration 0008 (details 2, without conversions) is built again when stats need it', async () => {
      await seed();
      await f.tracker.recordConversion({
        userId: 101,
        type: 'order',
        orderId: 'o1',
        amount: 500,
        occurredAt: new Date(Date.now() - 3 * 86_400_000),
      });
      const expected = await f.tracker.stats(week);
      expect(expected.conversions).toMatchObject({ count: 1, revenue: [{ currency: 'CNY', amount: 500 }] });
      for (const table of ['rollup_conv', 'rollup_ref_conv', 'rollup_hour_conv', 'rollup_hour_ref_conv'])
        await f.db.deleteFrom(f.prefix + table).execute();
      for (const table of ['rollup_day', 'rollup_hour'])
        await f.db
          .updateTable(f.prefix + table)
          .set({ details: 2, conversions: 0 })
          .execute();
      expect(await f.tracker.stats(week)).toEqual(expected);
      expect(await count(f, 'rollup_day', sql`details = 2`)).toBe(0);
      expect(await count(f, 'rollup_conv')).toBeGreaterThan(0);
    });

    it('forgetUser drops a referrer from every rollup; back with a new code, they count from scratch', async () => {
      await seed();
      expect((await f.tracker.leaderboard(week)).map((e) => e.referrerId)).toEqual([2, 1]);
      // Forgetting user 1 keeps their visitors' visits in the totals, leading to no one.
      await f.tracker.forgetUser(1);
      expect(await count(f, 'rollup_ref_visits', sql`referrer = 1`)).toBe(0);
      expect(await f.tracker.leaderboard(week)).toEqual([{ referrerId: 2, referrals: 4, visits: 4, conversions: 0, revenue: 0 }]);
      expect(await f.tracker.stats(week)).toMatchObject({ visits: 8, referrals: 4 });
      const again = (await f.tracker.getOrCreatePromo({ userId: 1 })).promocode;
      await f.tracker.recordTrack({ userId: 301, promocode: again, scene: '1047' });
      expect(await f.tracker.leaderboard(week)).toEqual([
        { referrerId: 2, referrals: 4, visits: 4, conversions: 0, revenue: 0 },
        { referrerId: 1, referrals: 1, visits: 1, conversions: 0, revenue: 0 },
      ]);
      // A day later, the 10th is a closed day: rebuilt (forgetUser voided it), the same answer.
      vi.setSystemTime(new Date('2026-03-11T09:00:00+08:00'));
      expect(await f.tracker.leaderboard(week)).toEqual([
        { referrerId: 2, referrals: 4, visits: 4, conversions: 0, revenue: 0 },
        { referrerId: 1, referrals: 1, visits: 1, conversions: 0, revenue: 0 },
      ]);
    });
  });

  describe('the leaderboard under last-touch (UTC, 3-day window)', () => {
    const f = useTracker(database, { attribution: { model: 'last-touch', windowDays: 3 } });

    it('a rebinding moves a binding out of a closed day: bindings are ranked from the raw rows, visits come from the rollups', async () => {
      freezeTime('2026-03-10T12:00:00Z');
      const one = (await f.tracker.getOrCreatePromo({ userId: 1 })).promocode;
      const two = (await f.tracker.getOrCreatePromo({ userId: 2 })).promocode;
      for (const userId of [101, 102, 103])
        await f.tracker.recordTrack({ userId, promocode: one, scene: '1047', occurredAt: new Date('2026-03-08T10:00:00Z') });
      const range = { from: new Date('2026-03-08T00:00:00Z') };
      expect(await f.tracker.leaderboard(range)).toEqual([{ referrerId: 1, referrals: 3, visits: 3, conversions: 0, revenue: 0 }]);
      // Users 101 and 102 come back through two's code, within the window: rebound to 2, today.
      for (const userId of [101, 102]) await f.tracker.recordTrack({ userId, promocode: two, scene: '1047' });
      expect(await f.tracker.leaderboard(range)).toEqual([
        { referrerId: 2, referrals: 2, visits: 2, conversions: 0, revenue: 0 },
        { referrerId: 1, referrals: 1, visits: 3, conversions: 0, revenue: 0 },
      ]);
      expect(await f.tracker.leaderboard({ ...range, to: new Date('2026-03-09T00:00:00Z') })).toEqual([
        { referrerId: 1, referrals: 1, visits: 3, conversions: 0, revenue: 0 },
      ]);
    });
  });
});
