/**
 * A flagged referee's rewards wait for an operator, on every database (contracts: Abuse signals,
 * Rewards): written `held` with the decision `held_for_review`, held past `payableAt` until
 * `resolveFlags`; release → payable when due; void → voided, and the referee's later facts pay
 * nothing, the decision saying why.
 */
import { describe, expect, it } from 'vitest';
import type { Reward, RewardRule, Tracker, TrackerOptions } from '@promo-track/core';
import { eachDatabase, freezeTime, useTracker } from './support.js';

const DAY = 86_400_000;
const RULES: RewardRule[] = [
  { id: 'invite', on: 'referral.bound', to: 'referrer', amount: 500 },
  { id: 'welcome', on: 'referral.bound', to: 'referee', amount: 300, holdDays: 30 },
  { id: 'order', on: { conversion: 'first_order' }, to: 'referrer', percent: 10 },
];
const options: Partial<TrackerOptions> = { rewards: RULES, abuse: { maxBindingsPerHour: 1 } };

const codeOf = async (t: Tracker, userId: number) => (await t.getOrCreatePromo({ userId })).promocode;
const entriesOf = async (t: Tracker, refereeId: number): Promise<Reward[]> =>
  (await t.listRewards({ limit: 500 })).items.filter((r) => r.refereeId === refereeId).sort((a, b) => a.ruleId.localeCompare(b.ruleId));

/** Referrer 1's first binding (user 10) is clean; the second (user 11), within the hour, is flagged `velocity`. */
async function flagOne(t: Tracker, occurredAt?: Date) {
  const code = await codeOf(t, 1);
  await t.recordTrack({ userId: 10, promocode: code, scene: 1047, occurredAt });
  await t.recordTrack({ userId: 11, promocode: code, scene: 1047, occurredAt });
  expect((await t.listFlagged()).items.map((i) => [i.refereeId, i.flags])).toEqual([[11, ['velocity']]]);
}

eachDatabase((database) => {
  describe('rewards of flagged referees', () => {
    const f = useTracker(database, options);

    it('are written held for review, and stay held past payableAt, however often releaseDueRewards runs', async () => {
      const t = f.tracker;
      await flagOne(t, new Date(Date.now() - 3 * DAY));
      expect((await entriesOf(t, 10)).map((r) => [r.ruleId, r.status])).toEqual([
        ['invite', 'payable'],
        ['welcome', 'held'],
      ]);
      const held = await entriesOf(t, 11);
      expect(held.map((r) => [r.ruleId, r.status])).toEqual([
        ['invite', 'held'],
        ['welcome', 'held'],
      ]);
      expect(held[0]!.payableAt.getTime()).toBeLessThan(Date.now());
      await t.releaseDueRewards();
      expect((await entriesOf(t, 11)).map((r) => r.status)).toEqual(['held', 'held']);
      const { rewards } = await t.explainReferral(11);
      expect(
        rewards.decisions
          .filter((d) => d.outcome === 'held_for_review')
          .map((d) => d.ruleId)
          .sort(),
      ).toEqual(['invite', 'welcome']);
      expect((await t.rewardBalance(1)).map((b) => [b.held, b.payable])).toEqual([[500, 500]]);
    });

    it("a flagged referee's later conversion earns a held entry too, held_for_review", async () => {
      const t = f.tracker;
      await flagOne(t);
      await t.recordConversion({ userId: 11, type: 'first_order', orderId: 'o-1', amount: 10_000 });
      await t.recordConversion({ userId: 10, type: 'first_order', orderId: 'o-2', amount: 10_000 });
      const order = (user: number) =>
        entriesOf(t, user).then((rs) => rs.filter((r) => r.ruleId === 'order').map((r) => [r.amount, r.status]));
      expect(await order(11)).toEqual([[1000, 'held']]);
      expect(await order(10)).toEqual([[1000, 'payable']]);
      await t.resolveFlags(11, 'release');
      expect(await order(11)).toEqual([[1000, 'payable']]);
    });

    it('a flag raised while the checks were on still holds rewards after they are turned off', async () => {
      await flagOne(f.tracker);
      const off = f.make({ rewards: RULES, abuse: { sameDeviceHours: 0, sameIpHours: 0, maxBindingsPerHour: 0, maxNewUsersPerDevice: 0 } });
      await off.recordConversion({ userId: 11, type: 'first_order', orderId: 'o-off', amount: 10_000 });
      const order = (await entriesOf(off, 11)).filter((r) => r.ruleId === 'order');
      expect(order.map((r) => [r.amount, r.status])).toEqual([[1000, 'held']]);
      const outcomes = (await off.explainReferral(11)).rewards.decisions.filter((d) => d.ruleId === 'order').map((d) => d.outcome);
      expect(outcomes).toContain('held_for_review');
    });

    it('release: the due ones become payable at once, the others when due', async () => {
      const t = f.tracker;
      await flagOne(t, new Date(Date.now() - 3 * DAY));
      await t.resolveFlags(11, 'release', { note: 'a family phone' });
      expect((await entriesOf(t, 11)).map((r) => [r.ruleId, r.status])).toEqual([
        ['invite', 'payable'],
        ['welcome', 'held'],
      ]);
      // The 30-day refund window of the welcome reward still runs; then releaseDueRewards pays it.
      freezeTime(Date.now() + 28 * DAY);
      await t.releaseDueRewards();
      expect((await entriesOf(t, 11)).map((r) => r.status)).toEqual(['payable', 'payable']);
    });

    it('void: the held entries are voided, and every later fact of the referee pays nothing, the decision saying why', async () => {
      const t = f.make({ ...options, attribution: { model: 'last-touch' } });
      await flagOne(t);
      const voided = await t.resolveFlags(11, 'void', { note: 'farm' });
      expect(voided.status).toBe('voided');
      expect((await entriesOf(t, 11)).map((r) => [r.ruleId, r.status, r.note])).toEqual([
        ['invite', 'voided', 'farm'],
        ['welcome', 'voided', 'farm'],
      ]);
      expect((await t.rewardBalance(1)).map((b) => [b.held, b.payable])).toEqual([[0, 500]]);

      // A later conversion of user 11 pays nothing either.
      await t.recordConversion({ userId: 11, type: 'first_order', orderId: 'o-11', amount: 10_000 });
      expect((await entriesOf(t, 11)).filter((r) => r.ruleId === 'order')).toEqual([]);
      expect((await t.explainReferral(11)).rewards.decisions.filter((d) => d.ruleId === 'order').map((d) => d.outcome)).toEqual([
        'voided_by_review',
      ]);
      // Later, user 11 comes through user 2's code: rebound (last-touch), not flagged, and paid nothing.
      const track = await t.recordTrack({ userId: 11, promocode: await codeOf(t, 2), scene: 1047 });
      expect((await t.explainReferral(11)).decisions.find((d) => d.trackId === track.id)).toMatchObject({ outcome: 'rebound' });
      expect((await t.listRewards({ userId: 2 })).items).toEqual([]);
      const { rewards } = await t.explainReferral(11);
      expect(
        rewards.decisions
          .filter((d) => d.outcome === 'voided_by_review')
          .map((d) => d.ruleId)
          .sort(),
      ).toEqual(['invite', 'order']);
      // An unflagged referee of the same referrer is paid as ever.
      await t.recordTrack({ userId: 12, promocode: await codeOf(t, 3), scene: 1047 });
      expect((await entriesOf(t, 12)).map((r) => [r.ruleId, r.status])).toEqual([
        ['invite', 'payable'],
        ['welcome', 'held'],
      ]);
    });

    it("the flag and a release's reward.payable reach the outbox in their transactions", async () => {
      const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
      const t = f.make({
        ...options,
        webhooks: [{ url: 'http://127.0.0.1:9/hook', secret, events: ['referral.flagged', 'reward.payable'] }],
      });
      await flagOne(t);
      await t.resolveFlags(11, 'release');
      const types = (await t.listWebhookMessages({ limit: 50 })).items.map((m) => m.type).sort();
      // The invite reward was due (the welcome one waits out its 30 days).
      expect(types).toEqual(['referral.flagged', 'reward.payable']);
    });
  });
});
