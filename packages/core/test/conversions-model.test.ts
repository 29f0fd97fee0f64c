import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { LeaderboardQuery, Tracker } from '@promo-track/core';
import { eachDatabase, freezeTime, useTracker, volume } from './support.js';

/**
 * A property test against a model: random visits (bindings under first- and last-touch),
 * conversions (repeats and conflicting keys included) and refunds (repeats and excess included),
 * with the clock moving across hours and days (so closed days and hours come from rollups). After
 * every run, stats (global, per referrer, per promocode), the leaderboard by each order and
 * explainReferral equal what a model computed here says.
 */

const NUM_RUNS = Number(process.env.PROMO_TRACK_FC_RUNS ?? 12);
const OWNERS = [1, 2, 3, 4];
const USERS = [11, 12, 13, 14, 15, 16, 17, 18];
const START = Date.parse('2026-03-01T09:00:00.000Z');
const HOUR = 3_600_000;

type Command =
  | { kind: 'visit'; user: number; owner: number }
  | { kind: 'convert'; user: number; type: string; orderId: string | null; amount: number; currency: string }
  | { kind: 'refund'; pick: number; refundId: string; amount: number | undefined }
  | { kind: 'wait'; ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('visit' as const), user: fc.constantFrom(...USERS), owner: fc.constantFrom(...OWNERS) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('convert' as const),
      user: fc.constantFrom(...USERS, 99),
      type: fc.constantFrom('register', 'first_order', 'order'),
      orderId: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { freq: 3 }),
      amount: fc.constantFrom(0, 100, 250, 999),
      currency: fc.constantFrom('CNY', 'CNY', 'USD'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      pick: fc.nat(),
      refundId: fc.constantFrom('r1', 'r2', 'r3'),
      amount: fc.option(fc.constantFrom(1, 50, 100, 500), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 6 * HOUR }) }) },
);

interface ModelConversion {
  id: number;
  userId: number;
  type: string;
  orderId: string | null;
  amount: number;
  refunded: number;
  currency: string;
  referrer: number | null;
  promocode: string | null;
  refunds: Set<string>;
}

/** What the library should hold: bindings, visits per owner, conversions. */
class Model {
  firstVisit = new Map<number, number>();
  binding = new Map<number, { owner: number; promocode: string }>();
  visitsBy = new Map<number, number>();
  conversions: ModelConversion[] = [];

  constructor(
    readonly lastTouch: boolean,
    readonly codes: Map<number, string>,
  ) {}

  visit(user: number, owner: number): void {
    this.visitsBy.set(owner, (this.visitsBy.get(owner) ?? 0) + 1);
    const promocode = this.codes.get(owner)!;
    if (!this.firstVisit.has(user)) {
      this.firstVisit.set(user, owner);
      this.binding.set(user, { owner, promocode });
    } else if (this.lastTouch && this.binding.get(user)!.owner !== owner) {
      // Within the window (30 days; a run lasts at most a few days).
      this.binding.set(user, { owner, promocode });
    }
  }

  /** The outcome the library must answer: the record, or 'conflict'. */
  convert(c: Extract<Command, { kind: 'convert' }>): ModelConversion | 'conflict' {
    const same = this.conversions.find(
      (x) => x.type === c.type && (c.orderId === null ? x.orderId === null && x.userId === c.user : x.orderId === c.orderId),
    );
    if (same) return same.userId === c.user && same.amount === c.amount && same.currency === c.currency ? same : 'conflict';
    const b = this.binding.get(c.user);
    const made: ModelConversion = {
      id: 0,
      userId: c.user,
      type: c.type,
      orderId: c.orderId,
      amount: c.amount,
      refunded: 0,
      currency: c.currency,
      referrer: b?.owner ?? null,
      promocode: b?.promocode ?? null,
      refunds: new Set(),
    };
    this.conversions.push(made);
    return made;
  }

  /** The refund's outcome: applied, a repeat, or refused. */
  refund(x: ModelConversion, refundId: string, amount: number | undefined): 'applied' | 'repeat' | 'refused' {
    if (x.refunds.has(refundId)) return 'repeat';
    const left = x.amount - x.refunded;
    const take = amount ?? left;
    if (take < 1 || take > left) return 'refused';
    x.refunds.add(refundId);
    x.refunded += take;
    return 'applied';
  }

  conversionStats(keep: (x: ModelConversion) => boolean) {
    const rows = this.conversions.filter(keep);
    const types = new Map<string, { type: string; count: number; referred: number }>();
    const money = new Map<string, { currency: string; amount: number; referredAmount: number }>();
    for (const x of rows) {
      const t = types.get(x.type) ?? types.set(x.type, { type: x.type, count: 0, referred: 0 }).get(x.type)!;
      const m = money.get(x.currency) ?? money.set(x.currency, { currency: x.currency, amount: 0, referredAmount: 0 }).get(x.currency)!;
      t.count++;
      m.amount += x.amount - x.refunded;
      if (x.referrer !== null) {
        t.referred++;
        m.referredAmount += x.amount - x.refunded;
      }
    }
    return {
      count: rows.length,
      referred: rows.filter((x) => x.referrer !== null).length,
      byType: [...types.values()].sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1)),
      revenue: [...money.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)),
    };
  }

  leaderboard(q: Required<Pick<LeaderboardQuery, 'orderBy' | 'currency'>>) {
    const referrals = new Map<number, number>();
    for (const b of this.binding.values()) referrals.set(b.owner, (referrals.get(b.owner) ?? 0) + 1);
    const conversions = new Map<number, number>();
    const revenue = new Map<number, number>();
    for (const x of this.conversions) {
      if (x.referrer === null) continue;
      conversions.set(x.referrer, (conversions.get(x.referrer) ?? 0) + 1);
      if (x.currency === q.currency) revenue.set(x.referrer, (revenue.get(x.referrer) ?? 0) + x.amount - x.refunded);
    }
    return [...{ referrals, conversions, revenue }[q.orderBy]]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([id]) => ({
        referrerId: id,
        referrals: referrals.get(id) ?? 0,
        visits: this.visitsBy.get(id) ?? 0,
        conversions: conversions.get(id) ?? 0,
        revenue: revenue.get(id) ?? 0,
      }));
  }
}

eachDatabase((database) => {
  describe.each(['first-touch', 'last-touch'] as const)('%s', (model) => {
    const f = useTracker(database, { attribution: { model }, timeZone: 'Asia/Shanghai' });

    it('stats, the leaderboard and explainReferral agree with the model after random visits, conversions and refunds', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 45 }), async (commands) => {
          let now = START;
          freezeTime(now);
          const tracker: Tracker = await f.empty();
          const codes = new Map<number, string>();
          for (const owner of OWNERS) codes.set(owner, (await tracker.getOrCreatePromo({ userId: owner })).promocode);
          const m = new Model(model === 'last-touch', codes);

          for (const c of commands) {
            if (c.kind === 'wait') {
              now += c.ms;
              vi.setSystemTime(now);
            } else if (c.kind === 'visit') {
              m.visit(c.user, c.owner);
              await tracker.recordTrack({ userId: c.user, promocode: codes.get(c.owner)!, scene: 1047 });
            } else if (c.kind === 'convert') {
              const expected = m.convert(c);
              const answer = tracker.recordConversion({
                userId: c.user,
                type: c.type,
                orderId: c.orderId,
                amount: c.amount,
                currency: c.currency,
              });
              if (expected === 'conflict') {
                await expect(answer).rejects.toMatchObject({ code: 'conflict' });
                continue;
              }
              const got = await answer;
              if (expected.id === 0) expected.id = got.id;
              expect(got).toMatchObject({
                id: expected.id,
                referrerId: expected.referrer,
                amount: expected.amount,
                refundedAmount: expected.refunded,
              });
            } else if (m.conversions.length) {
              const x = m.conversions[c.pick % m.conversions.length]!;
              const outcome = m.refund(x, c.refundId, c.amount);
              const answer = tracker.refundConversion({ conversionId: x.id }, { refundId: c.refundId, amount: c.amount });
              if (outcome === 'refused') await expect(answer).rejects.toMatchObject({ code: 'validation_failed' });
              else expect(await answer).toMatchObject({ id: x.id, refundedAmount: x.refunded });
            }
          }

          // A minute past the last write, so its hour may close: rollups and live rows both count.
          vi.setSystemTime(now + 3 * 60_000);
          const global = await tracker.stats();
          expect(global.conversions).toEqual(m.conversionStats(() => true));
          expect(global.referrals).toBe(m.binding.size);
          expect(global.byDay.reduce((n, d) => n + d.conversions, 0)).toBe(m.conversions.length);
          for (const owner of OWNERS) {
            const mine = await tracker.stats({ userId: owner });
            expect(mine.conversions, `referrer ${owner}`).toEqual(m.conversionStats((x) => x.referrer === owner));
            expect(mine.referrals).toBe([...m.binding.values()].filter((b) => b.owner === owner).length);
            const byCode = await tracker.stats({ promocode: codes.get(owner)! });
            expect(byCode.conversions, `promocode of ${owner}`).toEqual(m.conversionStats((x) => x.promocode === codes.get(owner)));
          }
          for (const orderBy of ['referrals', 'conversions', 'revenue'] as const) {
            for (const currency of ['CNY', 'USD']) {
              expect(await tracker.leaderboard({ orderBy, currency, limit: 10 }), `${orderBy} ${currency}`).toEqual(
                m.leaderboard({ orderBy, currency }),
              );
            }
          }
          for (const user of [...USERS, 99]) {
            const explained = await tracker.explainReferral(user);
            expect(explained.referral?.referrerId ?? null).toBe(m.binding.get(user)?.owner ?? null);
            expect(explained.conversions.map((x) => [x.id, x.referrerId, x.refundedAmount])).toEqual(
              m.conversions.filter((x) => x.userId === user).map((x) => [x.id, x.referrer, x.refunded]),
            );
          }
          vi.useRealTimers();
        }),
        { numRuns: volume(database, NUM_RUNS, Math.ceil(NUM_RUNS / 3)) },
      );
    }, 300_000);
  });
});
