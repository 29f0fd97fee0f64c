import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { eachDatabase, freezeTime, type TrackerFixture, useTracker } from './support.js';

const HOUR = 3_600_000;

/**
 * A visit written behind the library's back (no invalidation): whether global stats count it shows
 * whether its hour was read from the raw rows or from a rollup built before it was written.
 */
async function sneak(f: TrackerFixture, promocode: string, at: string, userId = 9000): Promise<void> {
  await f.db
    .insertInto(`${f.prefix}track`)
    .values({ track_type: 2, scene: '1047', user_id: userId, promocode, created_at: Date.parse(at) })
    .execute();
}

eachDatabase((database) => {
  describe('hourly rollups (Asia/Shanghai)', () => {
    const f = useTracker(database, { timeZone: 'Asia/Shanghai' });
    const today = { from: new Date('2026-03-10T00:00:00+08:00') };
    const visits = async (q = today) => (await f.tracker.stats(q)).visits;

    async function seed(): Promise<string> {
      freezeTime('2026-03-10T15:30:00+08:00');
      const { promocode } = await f.tracker.getOrCreatePromo({ userId: 1 });
      const at = ['00:10', '09:59', '14:10', '15:05'];
      for (const [i, hhmm] of at.entries()) {
        await f.tracker.recordTrack({ userId: 101 + i, promocode, scene: '1047', occurredAt: new Date(`2026-03-10T${hhmm}:00+08:00`) });
      }
      return promocode;
    }

    it("today's closed hours come from rollups: only the open hour and a range's uneven edge are read from the raw rows", async () => {
      const promocode = await seed();
      expect(await f.tracker.stats(today)).toMatchObject({
        visits: 4,
        uniqueVisitors: 4,
        uniqueVisitorsEstimated: false,
        byDay: [{ day: '2026-03-10', visits: 4 }],
      });
      expect(await visits({ from: new Date('2026-03-10T09:30:00+08:00') })).toBe(3);
      await sneak(f, promocode, '2026-03-10T00:05:00+08:00'); // hour 0, rolled up: not seen
      await sneak(f, promocode, '2026-03-10T14:20:00+08:00'); // hour 14, rolled up: not seen
      await sneak(f, promocode, '2026-03-10T15:10:00+08:00'); // the open hour: seen
      await sneak(f, promocode, '2026-03-10T09:45:00+08:00', 9001); // before 10:00, a range's edge: seen by that range
      expect(await visits()).toBe(5);
      expect(await visits({ from: new Date('2026-03-10T09:30:00+08:00') })).toBe(5);

      // 16:01: hour 15 is not closed yet (2 minutes' margin), still read live; at 16:03 it is built.
      vi.setSystemTime(new Date('2026-03-10T16:01:00+08:00'));
      await sneak(f, promocode, '2026-03-10T15:40:00+08:00');
      expect(await visits()).toBe(6);
      vi.setSystemTime(new Date('2026-03-10T16:03:00+08:00'));
      expect(await visits()).toBe(6);
      await sneak(f, promocode, '2026-03-10T15:50:00+08:00');
      expect(await visits()).toBe(6);
      const { rows } = await sql<{ n: unknown }>`select count(*) as n from ${sql.table(`${f.prefix}rollup_hour`)} where ready = 1`.execute(
        f.db,
      );
      expect(Number(rows[0]!.n)).toBe(16); // 00:00 … 15:00
    });

    it('a visit backdated into a closed hour, forgetUser and purge void the hours they touch', async () => {
      const promocode = await seed();
      expect(await visits()).toBe(4);
      await sneak(f, promocode, '2026-03-10T00:05:00+08:00');
      await sneak(f, promocode, '2026-03-10T14:20:00+08:00');
      await sneak(f, promocode, '2026-03-10T12:20:00+08:00');
      expect(await visits()).toBe(4);

      // Backdated into 14:00–15:00: that hour is rebuilt (and now holds the sneaked visit too).
      await f.tracker.recordTrack({ userId: 120, promocode, scene: '1047', occurredAt: new Date('2026-03-10T14:50:00+08:00') });
      expect(await visits()).toBe(6);
      // A share backdated into 12:00–13:00 voids that hour's visits as well.
      await f.tracker.recordShare({ userId: 120, shareType: 1, promocode, occurredAt: new Date('2026-03-10T12:30:00+08:00') });
      expect(await f.tracker.stats(today)).toMatchObject({ visits: 7, shares: 1 });
      // Forgetting user 101 (00:10) voids 00:00–01:00: rebuilt without them, with the sneaked 00:05.
      await f.tracker.forgetUser(101);
      expect(await visits()).toBe(7);
      // Purging before 13:00 removes 00:05, 09:59 and 12:20 and voids every hour before it.
      await f.tracker.purge({ before: new Date('2026-03-10T13:00:00+08:00') });
      expect(await f.tracker.stats(today)).toMatchObject({ visits: 4, shares: 0, byDay: [{ day: '2026-03-10', visits: 4 }] });
    });

    it('an hour closes 2 minutes after its end: a visit of 15:59:50 written at 16:00:40 (not late) still counts', async () => {
      const promocode = await seed();
      vi.setSystemTime(new Date('2026-03-10T16:00:20+08:00'));
      expect(await visits()).toBe(4);
      vi.setSystemTime(new Date('2026-03-10T16:00:40+08:00'));
      await f.tracker.recordTrack({ userId: 130, promocode, scene: '1047', occurredAt: new Date('2026-03-10T15:59:50+08:00') });
      vi.setSystemTime(new Date('2026-03-10T16:02:30+08:00'));
      expect(await visits()).toBe(5);
      await sneak(f, promocode, '2026-03-10T15:20:00+08:00');
      expect(await visits()).toBe(5); // hour 15 is now rolled up
    });
  });

  describe('hourly rollups in a zone with a :45 offset (Asia/Kathmandu, UTC+5:45)', () => {
    const f = useTracker(database, { timeZone: 'Asia/Kathmandu' });

    it('the UTC hour across local midnight is read live; the hours wholly inside the day come from rollups', async () => {
      // Local 2026-03-10 starts at 18:15 UTC on the 9th; it is 10:50 local (05:05 UTC).
      freezeTime('2026-03-10T05:05:00Z');
      const { promocode } = await f.tracker.getOrCreatePromo({ userId: 1 });
      for (const [i, at] of ['2026-03-09T18:30:00Z', '2026-03-09T22:00:00Z', '2026-03-10T04:30:00Z', '2026-03-10T05:01:00Z'].entries()) {
        await f.tracker.recordTrack({ userId: 101 + i, promocode, scene: '1047', occurredAt: new Date(at) });
      }
      const today = { from: new Date('2026-03-10T00:00:00+05:45') };
      expect(await f.tracker.stats(today)).toMatchObject({ visits: 4, byDay: [{ day: '2026-03-10', visits: 4 }] });
      await sneak(f, promocode, '2026-03-09T18:20:00Z'); // 00:05 local, in the hour across midnight: live
      await sneak(f, promocode, '2026-03-09T20:00:00Z'); // 01:45 local, a rolled-up hour: not seen
      await sneak(f, promocode, '2026-03-09T18:10:00Z'); // 23:55 local on the 9th: not today
      expect(await f.tracker.stats(today)).toMatchObject({ visits: 5, byDay: [{ day: '2026-03-10', visits: 5 }] });
      // The whole range: the 9th is a closed day (built now, with its sneaked visit).
      expect((await f.tracker.stats()).byDay).toEqual([
        { day: '2026-03-09', visits: 1, newUserVisits: 0, shares: 0, conversions: 0 },
        { day: '2026-03-10', visits: 5, newUserVisits: 4, shares: 0, conversions: 0 },
      ]);
      const { rows } = await sql<{ hour: unknown }>`select hour from ${sql.table(`${f.prefix}rollup_hour`)} order by hour`.execute(f.db);
      const first = Date.parse('2026-03-09T19:00:00Z') / HOUR;
      expect(rows.map((r) => Number(r.hour))).toEqual(Array.from({ length: 10 }, (_, i) => first + i)); // 19:00 … 04:00 UTC
    });
  });
});
