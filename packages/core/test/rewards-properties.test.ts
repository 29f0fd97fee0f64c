/**
 * The ledger's invariants under random programs, on every database (contract: Rewards): random
 * rules, new and returning visits through random codes under last-touch (so rebindings happen),
 * conversions and partial or full refunds, releases as time passes, settlements, voids and forgetUser. After every step: each user's
 * balance is the sum of their entries; no entry was ever edited in place (amount, rule, parties,
 * times, links), only moved along the lifecycle; a referrer's unsettled binding entries name the
 * referee's current referrer; no cap is exceeded.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { type Reward, type RewardRule, type Tracker } from '@promo-track/core';
import { DAY, eachDatabase, freezeTime, useTracker } from './support.js';

const RUNS = Number(process.env.PROMO_TRACK_FC_RUNS ?? 12);
/** A failure's seed, to replay it: PROMO_TRACK_FC_SEED=509799296. */
const SEED = process.env.PROMO_TRACK_FC_SEED ? { seed: Number(process.env.PROMO_TRACK_FC_SEED) } : {};
const USERS = [1, 2, 3, 4, 5, 6, 7, 8];
const TABLES = [
  'promo',
  'track',
  'share',
  'visitor',
  'referral',
  'decision',
  'reward',
  'reward_decision',
  'reward_count',
  'conversion',
  'conversion_refund',
  'rollup_referrals',
  'rollup_ref_visits',
  'rollup_hour_referrals',
  'rollup_hour_ref_visits',
  'rollup_day',
  'rollup_hour',
];

/** Binding rules and conversion rules (fixed or percent, on one conversion type). */
const conversionRule = (i: number) =>
  fc
    .record(
      {
        to: fc.constantFrom('referrer' as const, 'referee' as const),
        pay: fc.oneof(fc.record({ amount: fc.integer({ min: 1, max: 1000 }) }), fc.record({ percent: fc.constantFrom(1, 5, 12.5, 100) })),
        holdDays: fc.constantFrom(0, 1, 7),
        firstOnly: fc.boolean(),
        every: fc.constantFrom(1, 2),
        cap: fc.record({ count: fc.integer({ min: 1, max: 3 }), per: fc.constantFrom('day' as const, 'all' as const) }),
      },
      { requiredKeys: ['to', 'pay'] },
    )
    .map(({ pay, ...r }): RewardRule => ({ id: `c${i}`, on: { conversion: 'order' }, ...r, ...pay }));

const rule = (i: number) =>
  fc
    .record(
      {
        to: fc.constantFrom('referrer' as const, 'referee' as const),
        amount: fc.integer({ min: 1, max: 1000 }),
        holdDays: fc.constantFrom(0, 1, 7),
        every: fc.constantFrom(1, 2, 3),
        cap: fc.record({ count: fc.integer({ min: 1, max: 3 }), per: fc.constantFrom('day' as const, 'month' as const, 'all' as const) }),
      },
      { requiredKeys: ['to', 'amount'] },
    )
    .map((r): RewardRule => ({ id: `r${i}`, on: 'referral.bound', ...r }));

const program = fc.tuple(rule(0), rule(1), conversionRule(2), conversionRule(3)).chain((rules) => fc.subarray(rules, { minLength: 1 }));

type Step =
  | { kind: 'visit'; userId: number; via: number }
  | { kind: 'later'; days: number }
  | { kind: 'settle'; pick: number }
  | { kind: 'void'; pick: number }
  | { kind: 'forget'; userId: number }
  | { kind: 'convert'; userId: number; amount: number }
  | { kind: 'refund'; pick: number; part: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('visit' as const), userId: fc.constantFrom(...USERS), via: fc.constantFrom(...USERS) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('later' as const), days: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('forget' as const), userId: fc.constantFrom(...USERS) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('convert' as const),
      userId: fc.constantFrom(...USERS),
      amount: fc.integer({ min: 1, max: 20_000 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(), part: fc.integer({ min: 1, max: 100 }) }) },
);

const NEXT: Record<Reward['status'], Reward['status'][]> = {
  held: ['held', 'payable', 'reversed', 'voided'],
  payable: ['payable', 'settled', 'reversed', 'voided'],
  settled: ['settled'],
  reversed: ['reversed'],
  voided: ['voided'],
};

async function all(tracker: Tracker): Promise<Reward[]> {
  const items: Reward[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Reward[]; nextCursor: string | null } = await tracker.listRewards({ limit: 500, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

eachDatabase((database) => {
  describe('random programs', () => {
    const f = useTracker(database);

    it('balances are the sums of their entries, entries are never edited, caps hold, unsettled binding entries follow the binding', async () => {
      await fc.assert(
        fc.asyncProperty(program, fc.array(step, { minLength: 5, maxLength: 30 }), async (rules, steps) => {
          for (const table of TABLES) await sql`delete from ${sql.table(f.prefix + table)}`.execute(f.db);
          let now = Date.parse('2026-11-20T08:00:00Z');
          freezeTime(now);
          const tracker = f.make({ rewards: rules, attribution: { model: 'last-touch', windowDays: 30 } });
          const seen = new Map<number, Reward>();
          const forgotten = new Set<number>();
          let orders = 0;
          let refunds = 0;

          for (const s of steps) {
            if (s.kind === 'visit') {
              const { promocode } = await tracker.getOrCreatePromo({ userId: s.via });
              await tracker.recordTrack({ userId: s.userId, promocode, scene: 1047 });
              forgotten.delete(s.userId);
              forgotten.delete(s.via);
            } else if (s.kind === 'later') {
              now += s.days * DAY;
              freezeTime(now);
              await tracker.releaseDueRewards();
            } else if (s.kind === 'settle' || s.kind === 'void') {
              const candidates = (await all(tracker)).filter((r) =>
                s.kind === 'settle' ? r.status === 'payable' : r.status === 'held' || r.status === 'payable',
              );
              const chosen = candidates[s.pick % Math.max(1, candidates.length)];
              if (chosen && s.kind === 'settle') await tracker.settleRewards({ ids: [chosen.id] });
              if (chosen && s.kind === 'void') await tracker.voidReward(chosen.id, { note: 'property' });
            } else if (s.kind === 'convert') {
              await tracker.recordConversion({ userId: s.userId, type: 'order', orderId: `o${++orders}`, amount: s.amount });
            } else if (s.kind === 'refund') {
              const open = (await tracker.listConversions({ limit: 500 })).items.filter((x) => x.refundedAmount < x.amount);
              const c = open[s.pick % Math.max(1, open.length)];
              if (c) {
                const left = c.amount - c.refundedAmount;
                await tracker.refundConversion(
                  { conversionId: c.id },
                  { refundId: `r${++refunds}`, amount: Math.max(1, Math.ceil((left * s.part) / 100)) },
                );
              }
            } else {
              await tracker.forgetUser(s.userId);
              forgotten.add(s.userId);
            }

            const entries = await all(tracker);
            // No entry is edited in place: only its status (along the lifecycle), settledAt, note, and the forgotten ids change.
            for (const e of entries) {
              const before = seen.get(e.id);
              if (before) {
                const keep = (r: Reward) => ({
                  ruleId: r.ruleId,
                  amount: r.amount,
                  currency: r.currency,
                  payableAt: r.payableAt,
                  createdAt: r.createdAt,
                  replaces: r.replaces,
                  reversalOf: r.reversalOf,
                  conversionId: r.conversionId,
                });
                expect(keep(e)).toEqual(keep(before));
                expect(NEXT[before.status]).toContain(e.status);
                for (const k of ['userId', 'referrerId', 'refereeId'] as const) if (e[k] !== before[k]) expect(e[k]).toBeNull();
                if (before.settledAt) expect(e.settledAt).toEqual(before.settledAt);
              }
              seen.set(e.id, e);
            }
            // Deleted entries are only ever those forgetUser removed: unsettled ones of a forgotten user.
            const present = new Set(entries.map((e) => e.id));
            for (const [id, e] of seen) {
              if (present.has(id)) continue;
              expect(e.status).not.toBe('settled');
              seen.delete(id);
            }
            // Balances are the sums of the entries.
            for (const userId of USERS) {
              const mine = entries.filter((e) => e.userId === userId);
              const expected = [...new Set(mine.map((e) => e.currency))].sort().map((currency) => {
                const sum = (status: Reward['status']) =>
                  mine.filter((e) => e.currency === currency && e.status === status).reduce((t, e) => t + e.amount, 0);
                return { currency, held: sum('held'), payable: sum('payable'), settled: sum('settled') };
              });
              expect(await tracker.rewardBalance(userId)).toEqual(
                expected.filter((l) => mine.some((e) => e.currency === l.currency && e.status !== 'reversed' && e.status !== 'voided')),
              );
            }
            // A referrer's unsettled binding entries name the referee's current referrer (a rebinding reversed the others).
            for (const e of entries.filter(
              (x) =>
                x.conversionId === null &&
                (x.status === 'held' || x.status === 'payable') &&
                x.refereeId !== null &&
                x.referrerId !== null &&
                x.userId === x.referrerId,
            )) {
              expect((await tracker.getReferrer(e.refereeId!))?.referrerId).toBe(e.referrerId);
            }
            // A conversion's live entries and claw-backs add up to what its rule pays for what is left of it.
            const conversions = (await tracker.listConversions({ limit: 500 })).items;
            for (const e of entries.filter(
              (x) =>
                x.conversionId !== null &&
                x.reversalOf === null &&
                (x.status === 'settled' || x.status === 'held' || x.status === 'payable'),
            )) {
              const r = rules.find((x) => x.id === e.ruleId)!;
              const c = conversions.find((x) => x.id === e.conversionId);
              if (!c) continue; // its user was forgotten
              const clawed = entries.filter((x) => x.reversalOf === e.id).reduce((t, x) => t + x.amount, 0);
              const owed =
                r.percent !== undefined
                  ? Math.floor(((c.amount - c.refundedAmount) * r.percent) / 100 + 1e-9)
                  : c.refundedAmount >= c.amount
                    ? 0
                    : r.amount!;
              expect(e.amount + clawed, `entry ${e.id} of ${r.id}`).toBe(e.status === 'settled' ? Math.min(e.amount, owed) : owed);
            }
            // Caps: never more live entries per beneficiary and rule than the cap (per period: at most per 'all').
            // A claw-back (`reversalOf`) corrects a settled entry and does not count toward the cap.
            for (const r of rules.filter((x) => x.cap?.per === 'all')) {
              for (const userId of USERS) {
                const live = entries.filter(
                  (e) =>
                    e.ruleId === r.id && e.userId === userId && e.reversalOf === null && e.status !== 'reversed' && e.status !== 'voided',
                );
                expect(live.length).toBeLessThanOrEqual(r.cap!.count);
              }
            }
          }
        }),
        { numRuns: database.name === 'sqlite' ? RUNS * 3 : RUNS, ...SEED },
      );
    }, 600_000);
  });
});
