import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  type Promo,
  type Tracker,
  type TrackerEvent,
  UnknownPromocodeError,
  type WxacodeGenerator,
  type WxacodeRequest,
} from '@promo-track/core';
import { eachDatabase, type TestDatabase, useTracker } from './support.js';
import { recordFigures } from './trust-figures.js';

/** A stand-in for createWxacodeGenerator: "stores" an image per promo and remembers removals. */
function fakeGenerator(): WxacodeGenerator & { generated: string[]; removed: string[] } {
  const generated: string[] = [];
  const removed: string[] = [];
  return {
    generated,
    removed,
    async generate({ scene }: WxacodeRequest) {
      const url = `https://cdn.example.com/wxacode/${scene}.png`;
      generated.push(url);
      return url;
    },
    async remove(url: string) {
      removed.push(url);
    },
  };
}

const NAMING_COLUMNS = ['user_id', 'referrer', 'candidate', 'referee'];

/**
 * A scanner of every table the library owns, for rows that name a user in a column that holds one
 * (user_id, referrer, candidate). The tables and columns are read from the catalog (not Kysely's
 * introspection, which fails on PostgreSQL when another test drops its tables at that moment), so
 * a table added later is scanned too.
 */
async function scanner(db: Kysely<any>, prefix: string, dialect: TestDatabase['name']) {
  const catalog =
    dialect === 'sqlite'
      ? sql<{
          table_name: string;
          column_name: string;
        }>`select m.name as table_name, p.name as column_name from sqlite_master m join pragma_table_info(m.name) p where m.type = 'table'`
      : sql<{
          table_name: string;
          column_name: string;
        }>`select table_name as table_name, column_name as column_name from information_schema.columns where table_schema = ${sql.raw(dialect === 'postgres' ? 'current_schema()' : 'database()')}`;
  const own = ['promo', 'track', 'share', 'visitor', 'referral', 'decision', 'reward', 'reward_decision', 'reward_count'].map(
    (t) => prefix + t,
  );
  const targets = new Map<string, string[]>();
  for (const { table_name: table, column_name: column } of (await catalog.execute(db)).rows) {
    if (!own.includes(table) && !table.startsWith(`${prefix}promo_track`)) continue;
    if (!targets.has(table)) targets.set(table, []);
    if (NAMING_COLUMNS.includes(column)) targets.get(table)!.push(column);
  }
  return {
    scanned: [...targets.keys()].sort(),
    async rowsNaming(userId: number): Promise<Record<string, number>> {
      const found: Record<string, number> = {};
      for (const [table, columns] of targets) {
        for (const column of columns) {
          const { rows } = await sql<{
            n: number | string;
          }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} = ${userId}`.execute(db);
          if (Number(rows[0]!.n) > 0) found[`${table}.${column}`] = Number(rows[0]!.n);
        }
      }
      return found;
    },
  };
}

eachDatabase((database) => {
  describe('forgetUser', () => {
    const X = 7; // forgotten
    const Y = 8; // X's referrer
    const Z = 9; // a promoter X visited later
    const W = 20; // a promoter X never touched
    const [U1, U2, U3, U4, U5] = [31, 32, 33, 34, 35];
    const generator = fakeGenerator();
    const events: TrackerEvent[] = [];
    const fx = useTracker(database, { wxacode: generator, onEvent: (e) => void events.push(e) });

    async function world(tracker: Tracker) {
      const promo = (userId: number, promoType = 1) => tracker.getOrCreatePromo({ userId, promoType });
      const x1 = await promo(X);
      const x2 = await promo(X, 2);
      const [y, z, w] = [await promo(Y), await promo(Z), await promo(W)];
      const visit = (userId: number, p: Promo, scene = '1047', extra = {}) =>
        tracker.recordTrack({ userId, promocode: p.promocode, scene, ...extra });

      await visit(X, y); // X bound to Y
      await visit(X, z); // returning
      await visit(U1, x1); // bound to X
      await visit(U2, x2); // bound to X (second code)
      await visit(U3, x1, '1129'); // crawler: excluded_scene naming X
      await visit(U4, y); // bound to Y
      await visit(U4, x1); // returning_user naming X
      await visit(U5, w); // bound to W: untouched by all this
      await visit(U1, w); // returning, through W
      await tracker.recordShare({ userId: X, promocode: x1.promocode, shareType: 1 });
      await tracker.recordShare({ userId: U1, promocode: x1.promocode, shareType: 2 });
      await tracker.recordShare({ userId: U5, promocode: w.promocode });
      return { x1, x2, y, z, w };
    }

    it('removes every row naming the user, returns the counts, keeps others’ totals, emits user.forgotten', async () => {
      const { x1, x2, y } = await world(fx.tracker);
      expect([x1.wxbcode, x2.wxbcode]).toEqual([expect.stringContaining(x1.promocode), expect.stringContaining(x2.promocode)]);
      const before = {
        all: await fx.tracker.stats(),
        w: await fx.tracker.stats({ userId: W }),
        y: await fx.tracker.stats({ userId: Y }),
        x1: await fx.tracker.stats({ promocode: x1.promocode }),
        counts: await fx.counts(),
        leaderboard: await fx.tracker.leaderboard(),
      };
      expect(before.x1).toMatchObject({ visits: 2, referrals: 1 });
      const scan = await scanner(fx.db, fx.prefix, database.name);
      expect(scan.scanned).toEqual(
        expect.arrayContaining(['promo', 'track', 'share', 'visitor', 'referral', 'decision'].map((t) => fx.prefix + t)),
      );
      expect(Object.keys(await scan.rowsNaming(X)).sort()).toEqual(
        ['promo.user_id', 'track.user_id', 'track.referrer', 'share.user_id', 'visitor.user_id', 'referral.user_id', 'referral.referrer']
          .map((c) => fx.prefix + c)
          .sort(),
      );
      events.length = 0;

      const removed = await fx.tracker.forgetUser(X);

      // X's 2 promos, 2 tracks, 1 share; bindings X→Y, U1→X, U2→X.
      expect(removed).toEqual({ promos: 2, tracks: 2, shares: 1, referrals: 3, conversions: 0, rewards: 0 });
      expect(await scan.rowsNaming(X)).toEqual({});
      expect(events.filter((e) => e.type === 'user.forgotten')).toEqual([{ type: 'user.forgotten', userId: X, removed }]);
      expect(generator.removed.sort()).toEqual([x1.wxbcode, x2.wxbcode].sort());

      // The rows that went, and only those (decisions: X's 2, and the 4 of others naming X).
      const after = await fx.counts();
      expect(after).toEqual({
        promo: before.counts.promo - 2,
        track: before.counts.track - 2,
        share: before.counts.share - 1,
        visitor: before.counts.visitor - 1,
        referral: before.counts.referral - 3,
        decision: before.counts.decision - 6,
      });

      // Others' visits through X's codes stay, counted, leading to no one.
      const through = await fx.db
        .selectFrom(fx.prefix + 'track')
        .select(['user_id', 'promocode', 'referrer'])
        .where('promocode', 'in', [x1.promocode, x2.promocode])
        .orderBy('id')
        .execute();
      expect(through.map((r) => [Number(r.user_id), r.promocode, r.referrer])).toEqual([
        [U1, x1.promocode, null],
        [U2, x2.promocode, null],
        [U3, x1.promocode, null],
        [U4, x1.promocode, null],
      ]);
      const u1Tracks = await fx.db
        .selectFrom(fx.prefix + 'track')
        .select('id')
        .where('user_id', '=', U1)
        .execute();
      expect(u1Tracks).toHaveLength(2);
      expect(await fx.tracker.stats({ promocode: x1.promocode })).toMatchObject({ visits: 2, referrals: 0 });

      // The users X referred are unbound; their other decisions stay.
      const u1 = await fx.tracker.explainReferral(U1);
      expect(u1.referral).toBeNull();
      expect(u1.decisions.map((d) => [d.outcome, d.candidateId])).toEqual([['kept', W]]);
      expect(await fx.tracker.explainReferral(U2)).toEqual({
        referral: null,
        decisions: [],
        conversions: [],
        rewards: { entries: [], decisions: [] },
      });
      expect(await fx.tracker.explainReferral(U3)).toEqual({
        referral: null,
        decisions: [],
        conversions: [],
        rewards: { entries: [], decisions: [] },
      });
      const u4 = await fx.tracker.explainReferral(U4);
      expect(u4.referral).toMatchObject({ referrerId: Y, promocode: y.promocode });
      expect(u4.decisions.map((d) => [d.outcome, d.candidateId])).toEqual([['bound', Y]]);
      expect(await fx.tracker.explainReferral(X)).toEqual({
        referral: null,
        decisions: [],
        conversions: [],
        rewards: { entries: [], decisions: [] },
      });

      // Totals of users X never touched are unchanged; the overall totals lose X's own visits only.
      expect(await fx.tracker.stats({ userId: W })).toEqual(before.w);
      const all = await fx.tracker.stats();
      expect(all).toMatchObject({
        visits: before.all.visits - 2,
        newUserVisits: before.all.newUserVisits - 1,
        uniqueVisitors: before.all.uniqueVisitors - 1,
        referrals: before.all.referrals - 3,
        shares: before.all.shares - 1,
      });
      expect(await fx.tracker.stats({ userId: Y })).toMatchObject({ visits: before.y.visits - 1, referrals: before.y.referrals - 1 });
      expect(await fx.tracker.leaderboard()).toEqual(
        before.leaderboard
          .filter((e) => e.referrerId !== X)
          .map((e) => (e.referrerId === Y ? { ...e, referrals: e.referrals - 1, visits: e.visits - 1 } : e)),
      );

      // X's codes are gone.
      expect(await fx.tracker.findPromo(x1.promocode)).toBeNull();
      await expect(fx.tracker.recordTrack({ userId: 40, promocode: x1.promocode, scene: '1047' })).rejects.toBeInstanceOf(
        UnknownPromocodeError,
      );

      // Forgetting again finds nothing, and says so.
      expect(await fx.tracker.forgetUser(X)).toEqual({ promos: 0, tracks: 0, shares: 0, referrals: 0, conversions: 0, rewards: 0 });
    });
  });

  describe('visits through a user’s code racing forgetUser for that user', () => {
    const ITERATIONS = database.name === 'sqlite' ? 40 : 60;
    const VISITS = 6;
    const fx = useTracker(database);
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    it(`each visit fails with unknown_promocode or ends with referrerId null; no binding to the forgotten user survives (${ITERATIONS} races)`, async () => {
      const figures = {
        dialect: database.name,
        iterations: ITERATIONS,
        visits: ITERATIONS * VISITS,
        unknownPromocode: 0,
        recordedThenCleared: 0,
        boundThenUnbound: 0,
        otherErrors: 0,
      };
      const scan = await scanner(fx.db, fx.prefix, database.name);
      for (let i = 0; i < ITERATIONS; i++) {
        const x = 50_000 + i * 100;
        const visitors = Array.from({ length: VISITS }, (_, k) => x + 1 + k);
        const promo = await fx.tracker.getOrCreatePromo({ userId: x });
        // Visitors arrive 0, 3, 6 … 15 ms after the start and the forget 0 to 7 ms after it: some
        // visits come before it, some while it waits for them, some after it.
        const visits = visitors.map(async (userId, k) => {
          await pause(3 * k);
          return fx.tracker.recordTrack({ userId, promocode: promo.promocode, scene: '1047' });
        });
        const forget = pause(i % 8).then(() => fx.tracker.forgetUser(x));
        const settled = await Promise.allSettled(visits);
        await forget;

        for (const [k, s] of settled.entries()) {
          if (s.status === 'rejected') {
            if (s.reason instanceof UnknownPromocodeError) figures.unknownPromocode++;
            else figures.otherErrors++;
            expect(s.reason).toBeInstanceOf(UnknownPromocodeError);
            continue;
          }
          figures.recordedThenCleared++;
          const stored = await fx.db
            .selectFrom(fx.prefix + 'track')
            .select(['referrer', 'promocode'])
            .where('id', '=', s.value.id)
            .executeTakeFirstOrThrow();
          expect(stored).toEqual({ referrer: null, promocode: promo.promocode });
          const explained = await fx.tracker.explainReferral(visitors[k]!);
          if (s.value.trackType === 1) figures.boundThenUnbound++;
          expect(explained).toEqual({ referral: null, decisions: [], conversions: [], rewards: { entries: [], decisions: [] } });
        }
        expect(await scan.rowsNaming(x)).toEqual({});
      }
      recordFigures('visits racing forgetUser', figures);
      expect(figures.otherErrors).toBe(0);
      // Both sides of the race happened.
      expect(figures.unknownPromocode).toBeGreaterThan(0);
      expect(figures.recordedThenCleared).toBeGreaterThan(0);
    });
  });
});
