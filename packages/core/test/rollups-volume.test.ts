import { sql } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { eachDatabase, freezeTime, useTracker } from './support.js';

// Split from rollups.test.ts (its random interleavings), so that the two run side by side.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Volume, once per database: the same statements go through every PostgreSQL driver, whose own
// behaviour (types, transactions, pooling) the random interleaving (rollups.test.ts) covers on each.
eachDatabase(
  (database) => {
    describe('unique visitors at 100k distinct users', () => {
      const f = useTracker(database, { timeZone: 'Asia/Shanghai' });

      it('are estimated within 2% over closed days, counted exactly for one promocode; every other count is exact', async () => {
        const { promocode } = await f.tracker.getOrCreatePromo({ userId: 1 });
        const day0 = Date.parse('2026-01-10T00:00:00.000+08:00');
        // 100k users over three closed days: every user once, a third of them twice (on two days).
        const rows: Record<string, unknown>[] = [];
        for (let u = 0; u < 100_000; u++) {
          const userId = 1_000_000 + u * 7;
          rows.push({ track_type: 1, scene: '1047', user_id: userId, promocode, created_at: day0 + (u % 3) * DAY + (u % 86_000) * 1000 });
          if (u % 3 === 0)
            rows.push({ track_type: 2, scene: '1007', user_id: userId, promocode, created_at: day0 + DAY + (u % 86_000) * 1000 });
        }
        for (let i = 0; i < rows.length; i += 2000)
          await f.db
            .insertInto(`${f.prefix}track`)
            .values(rows.slice(i, i + 2000))
            .execute();

        const global = await f.tracker.stats();
        expect(global).toMatchObject({ visits: rows.length, newUserVisits: 100_000, uniqueVisitorsEstimated: true });
        expect(Math.abs(global.uniqueVisitors - 100_000) / 100_000).toBeLessThanOrEqual(0.02);
        expect(global.byDay.map((d) => [d.day, d.visits])).toEqual([
          ['2026-01-10', 33_334],
          ['2026-01-11', 33_333 + 33_334],
          ['2026-01-12', 33_333],
        ]);
        // Again from the rollups alone, the same answer.
        expect(await f.tracker.stats()).toEqual(global);
        const one = await f.tracker.stats({ promocode });
        expect(one).toMatchObject({ visits: rows.length, uniqueVisitors: 100_000, uniqueVisitorsEstimated: false });
      }, 180_000);

      it('are counted exactly over a range without closed days (today, from hourly rollups), even past 200,000 users', async () => {
        const { promocode } = await f.tracker.getOrCreatePromo({ userId: 1 });
        const day0 = Date.parse('2026-01-10T00:00:00.000+08:00');
        freezeTime(day0 + 20 * HOUR);
        // 200,100 users, each once, over today's closed hours 00:00–19:00.
        const users = 200_100;
        const rows: Record<string, unknown>[] = [];
        for (let u = 0; u < users; u++) {
          rows.push({
            track_type: 1,
            scene: '1047',
            user_id: 1_000_000 + u,
            promocode,
            created_at: day0 + (u % 19) * HOUR + (u % 3_600) * 1000,
          });
        }
        for (let i = 0; i < rows.length; i += 2000)
          await f.db
            .insertInto(`${f.prefix}track`)
            .values(rows.slice(i, i + 2000))
            .execute();
        const today = { from: new Date(day0) };
        expect(await f.tracker.stats(today)).toMatchObject({ visits: users, uniqueVisitors: users, uniqueVisitorsEstimated: false });
        const { rows: hours } = await sql<{
          n: unknown;
        }>`select count(*) as n from ${sql.table(`${f.prefix}rollup_hour`)} where ready = 1`.execute(f.db);
        expect(Number(hours[0]!.n)).toBe(19);
        vi.useRealTimers();
      }, 180_000);
    });
  },
  { defaultDriverOnly: true },
);
