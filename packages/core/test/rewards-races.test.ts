/**
 * The ledger's counts under concurrency, from three processes at once on every database (contract:
 * Rewards): milestones and caps hold exactly, whatever the interleaving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracker, type RewardRule, type Tracker } from '@promo-track/core';
import { useBuiltCore } from './built-core.js';
import { type Answer, deal, race, raceTargets } from './rewards-race-support.js';
import { SALT } from './support.js';

const PROCESSES = 3;
const core = useBuiltCore();

const RULES: RewardRule[] = [
  { id: 'fifth', on: 'referral.bound', to: 'referrer', amount: 2000, every: 5 },
  { id: 'monthly', on: 'referral.bound', to: 'referrer', amount: 100, cap: { count: 10, per: 'month' } },
  { id: 'orders', on: { conversion: 'order' }, to: 'referrer', percent: 10, cap: { count: 10, per: 'month' } },
  { id: 'cash', on: { conversion: 'paid' }, to: 'referrer', amount: 500 },
];

describe.each(raceTargets)('rewards races on $name', (target) => {
  describe.skipIf(!target.enabled)(target.enabled ? `${PROCESSES} processes` : 'skipped: the server URL is not set', () => {
    let opened: Awaited<ReturnType<typeof target.open>>;
    let tracker: Tracker;
    beforeAll(async () => {
      opened = await target.open();
      tracker = createTracker({ db: opened.db, salt: SALT, tablePrefix: opened.prefix, rewards: RULES });
      await tracker.migrate();
    }, 60_000);
    afterAll(() => opened?.close());

    it('40 concurrent bindings to one referrer: exactly 8 entries for every: 5, exactly 10 for a cap of 10 a month', async () => {
      const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
      const calls = Array.from({ length: 40 }, (_, i) => ({ method: 'recordTrack', args: [{ userId: 1000 + i, promocode, scene: 1047 }] }));
      const answers = (await race(target, opened, core.url(), { rewards: RULES }, deal(calls, PROCESSES))).flat();
      expect(answers.filter((a: Answer) => !a.ok)).toEqual([]);
      expect((await tracker.listReferrals(1, { limit: 500 })).items).toHaveLength(40);

      const entries = (await tracker.listRewards({ userId: 1, limit: 500 })).items;
      expect(entries.filter((r) => r.ruleId === 'fifth')).toHaveLength(8);
      expect(entries.filter((r) => r.ruleId === 'monthly')).toHaveLength(10);
      const decisions = (await tracker.explainReferral(1)).rewards.decisions;
      const of = (rule: string, outcome: string) => decisions.filter((d) => d.ruleId === rule && d.outcome === outcome);
      expect(of('fifth', 'not_milestone')).toHaveLength(32);
      expect(
        of('monthly', 'capped')
          .map((d) => d.nth)
          .sort((a, b) => a! - b!),
      ).toEqual(Array.from({ length: 30 }, (_, i) => 11 + i));
      // The milestones went to the 5th, 10th, … binding in commit order: their numbers are the multiples of 5.
      expect(of('fifth', 'not_milestone').every((d) => d.nth! % 5 !== 0)).toBe(true);
      console.log(
        `rewards race (${target.name}): 40 bindings from ${PROCESSES} processes → ${entries.filter((r) => r.ruleId === 'fifth').length} milestone entries (every 5), ${entries.filter((r) => r.ruleId === 'monthly').length} capped entries (cap 10)`,
      );
    }, 120_000);

    it('50 concurrent conversions for one referrer against a cap of 10 a month: exactly 10 entries', async () => {
      const { promocode } = await tracker.getOrCreatePromo({ userId: 2 });
      await tracker.recordTracks(Array.from({ length: 50 }, (_, i) => ({ userId: 2000 + i, promocode, scene: 1047 })));
      const calls = Array.from({ length: 50 }, (_, i) => ({
        method: 'recordConversion',
        args: [{ userId: 2000 + i, type: 'order', orderId: `o-${i}`, amount: 1000 + i }],
      }));
      const answers = (await race(target, opened, core.url(), { rewards: RULES }, deal(calls, PROCESSES))).flat();
      expect(answers.filter((a: Answer) => !a.ok)).toEqual([]);
      const entries = (await tracker.listRewards({ userId: 2, limit: 500 })).items.filter((r) => r.ruleId === 'orders');
      expect(entries).toHaveLength(10);
      const capped = (await tracker.explainReferral(2)).rewards.decisions.filter((d) => d.ruleId === 'orders' && d.outcome === 'capped');
      expect(capped).toHaveLength(40);
      expect(capped.map((d) => d.nth).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 40 }, (_, i) => 11 + i));
      console.log(
        `rewards race (${target.name}): 50 conversions from ${PROCESSES} processes against cap 10 → ${entries.length} entries, ${capped.length} capped decisions`,
      );
    }, 120_000);

    it('settle and a full refund of one entry at the same moment: one of the two outcomes, never both', async () => {
      const { promocode } = await tracker.getOrCreatePromo({ userId: 3 });
      const users = Array.from({ length: 24 }, (_, i) => 3000 + i);
      await tracker.recordTracks(users.map((userId) => ({ userId, promocode, scene: 1047 })));
      const conversions = [];
      for (const userId of users)
        conversions.push(await tracker.recordConversion({ userId, type: 'paid', orderId: `p-${userId}`, amount: 2000 }));
      const entries = new Map((await tracker.listRewards({ userId: 3, limit: 500 })).items.map((r) => [r.conversionId!, r]));
      const settle = (c: { id: number }) => ({ method: 'settleRewards', args: [{ ids: [entries.get(c.id)!.id] }] });
      const refund = (c: { id: number }) => ({ method: 'refundConversion', args: [{ conversionId: c.id }, { refundId: 'full' }] });
      // Each process settles half the entries and refunds the other half, so that neither side always starts first.
      const [a, b] = await race(target, opened, core.url(), { rewards: RULES }, [
        conversions.map((c, i) => (i % 2 === 0 ? settle(c) : refund(c))),
        conversions.map((c, i) => (i % 2 === 0 ? refund(c) : settle(c))),
      ]);
      const settled = conversions.map((_, i) => (i % 2 === 0 ? a![i]! : b![i]!));
      const refunded = conversions.map((_, i) => (i % 2 === 0 ? b![i]! : a![i]!));
      expect(refunded.filter((x) => !x.ok)).toEqual([]);
      let settledFirst = 0;
      let refundedFirst = 0;
      for (const [i, c] of conversions.entries()) {
        const all = (await tracker.listRewards({ userId: 3, limit: 500 })).items.filter((r) => r.conversionId === c.id);
        const original = all.find((r) => r.reversalOf === null)!;
        const clawbacks = all.filter((r) => r.reversalOf === original.id);
        if (settled[i]!.ok) {
          // Settled first: the refund that followed wrote a claw-back of the whole amount.
          settledFirst++;
          expect(original.status).toBe('settled');
          expect(clawbacks.map((r) => [r.amount, r.status])).toEqual([[-500, 'payable']]);
        } else {
          // Refunded first: the entry is reversed and the settle was refused with the contract's conflict.
          refundedFirst++;
          expect(settled[i]).toMatchObject({ ok: false, code: 'conflict' });
          expect(original.status).toBe('reversed');
          expect(clawbacks).toEqual([]);
        }
      }
      console.log(
        `rewards race (${target.name}): settle vs refund of 24 entries → ${settledFirst} settled then clawed back, ${refundedFirst} reversed then refused, none both`,
      );
    }, 120_000);
  });
});
