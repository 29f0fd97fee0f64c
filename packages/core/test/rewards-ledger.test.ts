/**
 * The rewards ledger on bindings, on every database (contract: Rewards): entries written with the
 * binding that earns them, the lifecycle (held → payable → settled, voided), milestones and caps,
 * decisions for rules that paid nothing, last-touch rebinding, forgetUser, balances and events.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, type Reward, type RewardRule, type Tracker, ValidationError } from '@promo-track/core';
import { eachDatabase, freezeTime, rejection, useTracker } from './support.js';

const INVITE: RewardRule = { id: 'invite', on: 'referral.bound', to: 'referrer', amount: 500, holdDays: 7 };
const WELCOME: RewardRule = { id: 'welcome', on: 'referral.bound', to: 'referee', amount: 300, currency: 'CNY' };
const FIFTH: RewardRule = { id: 'fifth', on: 'referral.bound', to: 'referrer', amount: 2000, every: 5 };
const CAPPED: RewardRule = { id: 'capped', on: 'referral.bound', to: 'referrer', amount: 100, cap: { count: 3, per: 'month' } };

async function codeOf(tracker: Tracker, userId: number) {
  return (await tracker.getOrCreatePromo({ userId })).promocode;
}

async function bind(tracker: Tracker, referrer: number, users: number[]) {
  const promocode = await codeOf(tracker, referrer);
  for (const userId of users) await tracker.recordTrack({ userId, promocode, scene: 1047 });
}

const byUser = async (tracker: Tracker, userId: number) => (await tracker.listRewards({ userId, limit: 500 })).items;
const sum = (rewards: Reward[], status: Reward['status']) => rewards.filter((r) => r.status === status).reduce((s, r) => s + r.amount, 0);

eachDatabase((database) => {
  describe('bindings', () => {
    const f = useTracker(database, { rewards: [INVITE, WELCOME] });

    it('a binding pays both sides in its transaction: held through holdDays, payable at once without', async () => {
      freezeTime('2026-12-06T02:00:00Z');
      await bind(f.tracker, 1, [2]);
      const [invite] = await byUser(f.tracker, 1);
      const [welcome] = await byUser(f.tracker, 2);
      expect(invite).toMatchObject({
        ruleId: 'invite',
        userId: 1,
        referrerId: 1,
        refereeId: 2,
        conversionId: null,
        amount: 500,
        currency: 'CNY',
        status: 'held',
        settledAt: null,
      });
      expect(invite!.payableAt.toISOString()).toBe('2026-12-13T02:00:00.000Z');
      expect(welcome).toMatchObject({ ruleId: 'welcome', userId: 2, referrerId: 1, refereeId: 2, amount: 300, status: 'payable' });
      expect(await f.tracker.rewardBalance(1)).toEqual([{ currency: 'CNY', held: 500, payable: 0, settled: 0 }]);
      expect(await f.tracker.rewardBalance(2)).toEqual([{ currency: 'CNY', held: 0, payable: 300, settled: 0 }]);
    });

    it("no binding, no reward: a returning visit, a visit through one's own code, a cycle, a user the host knew", async () => {
      const a = await codeOf(f.tracker, 1);
      const b = await codeOf(f.tracker, 2);
      await f.tracker.recordTrack({ userId: 1, promocode: a, scene: 1047 }); // self
      await f.tracker.recordTrack({ userId: 2, promocode: a, scene: 1047 }); // binds 2 → 1
      await f.tracker.recordTrack({ userId: 2, promocode: a, scene: 1047 }); // returning
      await f.tracker.recordTrack({ userId: 3, promocode: b, scene: 1047, trackType: 2 }); // known to the host
      expect((await f.tracker.listRewards()).items.map((r) => r.ruleId).sort()).toEqual(['invite', 'welcome']);
    });

    it('releaseDueRewards turns due held entries payable, and only those', async () => {
      freezeTime('2026-12-06T02:00:00Z');
      await bind(f.tracker, 1, [2, 3]);
      freezeTime('2026-12-13T01:59:59Z');
      expect(await f.tracker.releaseDueRewards()).toBe(0);
      freezeTime('2026-12-13T02:00:00Z');
      expect(await f.tracker.releaseDueRewards()).toBe(2);
      expect(await f.tracker.releaseDueRewards()).toBe(0);
      expect((await byUser(f.tracker, 1)).map((r) => r.status)).toEqual(['payable', 'payable']);
    });

    it('settleRewards is all or nothing: one refused id is a ConflictError naming it, and nothing is settled', async () => {
      freezeTime('2026-12-06T02:00:00Z');
      await bind(f.tracker, 1, [2, 3]);
      const held = (await byUser(f.tracker, 1)).map((r) => r.id);
      const payable = [...(await byUser(f.tracker, 2)), ...(await byUser(f.tracker, 3))].map((r) => r.id);
      const error = await rejection(f.tracker.settleRewards({ ids: [payable[0]!, held[0]!, payable[1]!] }), ConflictError);
      expect(error.status).toBe(409);
      expect(error.issues).toEqual([{ path: 'ids.1', message: `reward ${held[0]} is held, not payable` }]);
      expect((await f.tracker.listRewards({ status: 'settled' })).items).toEqual([]);

      freezeTime('2026-12-06T03:00:00Z');
      const settled = await f.tracker.settleRewards({ ids: payable });
      expect(settled.map((r) => [r.id, r.status, r.settledAt?.toISOString()])).toEqual(
        payable.map((id) => [id, 'settled', '2026-12-06T03:00:00.000Z']),
      );
      // Again: answered as they are, nothing changes.
      freezeTime('2026-12-07T03:00:00Z');
      expect((await f.tracker.settleRewards({ ids: payable })).map((r) => r.settledAt?.toISOString())).toEqual([
        '2026-12-06T03:00:00.000Z',
        '2026-12-06T03:00:00.000Z',
      ]);
      expect(await f.tracker.rewardBalance(2)).toEqual([{ currency: 'CNY', held: 0, payable: 0, settled: 300 }]);
      await rejection(f.tracker.settleRewards({ ids: [999_999] }), NotFoundError);
      await rejection(f.tracker.settleRewards({ ids: [] }), ValidationError);
      await rejection(f.tracker.settleRewards({ ids: [0] }), ValidationError);
    });

    it('voidReward cancels held or payable entries (a note kept), refuses settled ones, answers a voided one as it is', async () => {
      await bind(f.tracker, 1, [2]);
      const [invite] = await byUser(f.tracker, 1);
      const [welcome] = await byUser(f.tracker, 2);
      const voided = await f.tracker.voidReward(invite!.id, { note: 'fake account' });
      expect(voided).toMatchObject({ id: invite!.id, status: 'voided', note: 'fake account', amount: 500 });
      expect(await f.tracker.voidReward(invite!.id)).toMatchObject({ status: 'voided', note: 'fake account' });
      await f.tracker.settleRewards({ ids: [welcome!.id] });
      const error = await rejection(f.tracker.voidReward(welcome!.id), ConflictError);
      expect(error.message).toMatch(/settled/);
      await rejection(f.tracker.voidReward(123_456), NotFoundError);
      expect(await f.tracker.rewardBalance(1)).toEqual([]);
    });

    it('explainReferral lists the entries and decisions of the facts the user took part in', async () => {
      await bind(f.tracker, 1, [2]);
      const explained = await f.tracker.explainReferral(2);
      expect(explained.rewards.entries.map((r) => r.ruleId)).toEqual(['invite', 'welcome']);
      expect(explained.rewards.decisions.map((d) => [d.ruleId, d.outcome, d.conversionId])).toEqual([
        ['invite', 'created', null],
        ['welcome', 'created', null],
      ]);
      expect((await f.tracker.explainReferral(1)).rewards.entries).toHaveLength(2);
      expect((await f.tracker.explainReferral(3)).rewards).toEqual({ entries: [], decisions: [] });
    });

    it('listRewards pages newest first with a stable cursor, and filters', async () => {
      await bind(f.tracker, 1, [2, 3, 4, 5, 6]);
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Reward[]; nextCursor: string | null } = await f.tracker.listRewards({ limit: 3, cursor });
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(10);
      expect([...seen].sort((a, b) => b - a)).toEqual(seen);
      expect((await f.tracker.listRewards({ status: 'held' })).items.every((r) => r.ruleId === 'invite')).toBe(true);
      await rejection(f.tracker.listRewards({ cursor: 'nope' }), ValidationError);
      await rejection(f.tracker.listRewards({ status: 'paid' as never }), ValidationError);
    });

    it("forgetUser deletes the user's unsettled entries and keeps settled ones without the id", async () => {
      await bind(f.tracker, 1, [2, 3]);
      const [first] = await byUser(f.tracker, 2);
      await f.tracker.settleRewards({ ids: [first!.id] });
      const removed = await f.tracker.forgetUser(1);
      expect(removed.rewards).toBe(2); // the two held invites
      const left = (await f.tracker.listRewards()).items;
      expect(left.map((r) => [r.ruleId, r.userId, r.referrerId, r.status]).sort()).toEqual([
        ['welcome', 2, null, 'settled'],
        ['welcome', 3, null, 'payable'],
      ]);
      const removed2 = await f.tracker.forgetUser(2);
      expect(removed2.rewards).toBe(0); // settled: kept for the books
      expect((await f.tracker.listRewards()).items.find((r) => r.id === first!.id)).toMatchObject({
        userId: null,
        refereeId: null,
        status: 'settled',
        amount: 300,
      });
    });
  });

  describe('milestones and caps', () => {
    const f = useTracker(database, { rewards: [FIFTH, CAPPED] });

    it('every: 5 pays the 5th and 10th binding; the others leave not_milestone with their number', async () => {
      await bind(
        f.tracker,
        1,
        Array.from({ length: 12 }, (_, i) => 100 + i),
      );
      const fifth = (await byUser(f.tracker, 1)).filter((r) => r.ruleId === 'fifth');
      expect(fifth.map((r) => r.refereeId).sort()).toEqual([104, 109]);
      const decisions = (await f.tracker.explainReferral(1)).rewards.decisions.filter((d) => d.ruleId === 'fifth');
      expect(decisions.filter((d) => d.outcome === 'not_milestone').map((d) => d.nth)).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 11, 12]);
    });

    it('cap: 3 a month pays the first three of each calendar month in timeZone; the fourth is capped as the 4th', async () => {
      freezeTime('2026-11-30T10:00:00Z');
      await bind(f.tracker, 1, [200, 201, 202, 203]);
      freezeTime('2026-12-01T10:00:00Z');
      await bind(f.tracker, 1, [204]);
      const capped = (await byUser(f.tracker, 1)).filter((r) => r.ruleId === 'capped');
      expect(capped.map((r) => r.refereeId).sort()).toEqual([200, 201, 202, 204]);
      const refused = (await f.tracker.explainReferral(203)).rewards.decisions.find((d) => d.ruleId === 'capped');
      expect(refused).toMatchObject({ outcome: 'capped', nth: 4, refereeId: 203 });
    });

    it('a voided entry frees its place in the cap', async () => {
      freezeTime('2026-12-02T10:00:00Z');
      await bind(f.tracker, 1, [300, 301, 302]);
      const [last] = (await byUser(f.tracker, 1)).filter((r) => r.ruleId === 'capped');
      await f.tracker.voidReward(last!.id);
      await bind(f.tracker, 1, [303, 304]);
      const live = (await byUser(f.tracker, 1)).filter((r) => r.ruleId === 'capped' && r.status !== 'voided');
      expect(live.map((r) => r.refereeId).sort()).toEqual([300, 301, 303]);
    });

    it('the month is the calendar month of timeZone', async () => {
      // 2026-11-30T20:00Z is already December 1st in Shanghai.
      const shanghai = f.make({ timeZone: 'Asia/Shanghai' });
      freezeTime('2026-11-30T15:00:00Z');
      await bind(shanghai, 1, [400, 401, 402]);
      freezeTime('2026-11-30T17:00:00Z');
      await bind(shanghai, 1, [403]);
      expect(
        (await byUser(shanghai, 1))
          .filter((r) => r.ruleId === 'capped')
          .map((r) => r.refereeId)
          .sort(),
      ).toEqual([400, 401, 402, 403]);
    });
  });

  describe('last-touch rebinding', () => {
    const f = useTracker(database, { rewards: [INVITE, WELCOME], attribution: { model: 'last-touch', windowDays: 30 } });

    it("reverses the previous referrer's unsettled entries for the user and pays the new referrer, not the referee again", async () => {
      await bind(f.tracker, 1, [5, 6]);
      const [welcome5] = await byUser(f.tracker, 5);
      await f.tracker.settleRewards({ ids: [welcome5!.id] });
      await bind(f.tracker, 2, [5, 6]);
      expect((await byUser(f.tracker, 1)).map((r) => [r.refereeId, r.status, r.note])).toEqual([
        [6, 'reversed', 'rebound to user 2'],
        [5, 'reversed', 'rebound to user 2'],
      ]);
      expect((await byUser(f.tracker, 2)).map((r) => [r.ruleId, r.referrerId, r.refereeId, r.status])).toEqual([
        ['invite', 2, 6, 'held'],
        ['invite', 2, 5, 'held'],
      ]);
      // The referee's welcome came with their first binding: settled or not, it stays, and is not paid twice.
      expect((await byUser(f.tracker, 5)).map((r) => [r.referrerId, r.status])).toEqual([[1, 'settled']]);
      expect((await byUser(f.tracker, 6)).map((r) => [r.referrerId, r.status])).toEqual([[1, 'payable']]);
    });

    it('a settled referrer entry stays settled when its referee is rebound', async () => {
      await bind(f.tracker, 1, [7]);
      freezeTime(Date.now() + 8 * 86_400_000);
      await f.tracker.releaseDueRewards();
      const [invite] = await byUser(f.tracker, 1);
      await f.tracker.settleRewards({ ids: [invite!.id] });
      await bind(f.tracker, 3, [7]);
      expect((await byUser(f.tracker, 1)).map((r) => r.status)).toEqual(['settled']);
      expect((await byUser(f.tracker, 3)).map((r) => r.status)).toEqual(['held']);
    });
  });

  describe('events', () => {
    const f = useTracker(database, {
      rewards: [WELCOME],
      webhooks: [
        {
          url: 'http://127.0.0.1:9/hook',
          secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          events: ['reward.created', 'reward.settled', 'reward.voided'],
        },
      ],
    });

    it('reward.* events are written to the outbox with their facts', async () => {
      await bind(f.tracker, 1, [2, 3]);
      const ids = (await f.tracker.listRewards()).items.map((r) => r.id);
      await f.tracker.settleRewards({ ids: [ids[0]!] });
      await f.tracker.voidReward(ids[1]!);
      const types = (await f.tracker.listWebhookMessages()).items.map((m) => m.type).sort();
      expect(types).toEqual(['reward.created', 'reward.created', 'reward.settled', 'reward.voided']);
    });
  });

  describe('the webhook sender', () => {
    const f = useTracker(database, {
      rewards: [{ id: 'soon', on: 'referral.bound', to: 'referrer', amount: 100, holdDays: 1 / 86_400 }],
      webhooks: [{ url: 'http://127.0.0.1:9/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', events: ['reward.payable'] }],
    });

    it('releases due rewards on every look, with their reward.payable events', async () => {
      await bind(f.tracker, 1, [2]);
      expect((await byUser(f.tracker, 1)).map((r) => r.status)).toEqual(['held']);
      const sender = f.tracker.startWebhookDelivery({ pollMs: 50, timeoutMs: 200 });
      try {
        const deadline = Date.now() + 10_000;
        while ((await byUser(f.tracker, 1))[0]!.status === 'held' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      } finally {
        await sender.stop();
      }
      expect((await byUser(f.tracker, 1)).map((r) => r.status)).toEqual(['payable']);
      expect((await f.tracker.listWebhookMessages()).items.map((m) => m.type)).toEqual(['reward.payable']);
    });
  });

  describe('no rules', () => {
    const f = useTracker(database);
    it('writes no entry and no decision', async () => {
      await bind(f.tracker, 1, [2]);
      expect((await f.tracker.listRewards()).items).toEqual([]);
      expect((await f.tracker.explainReferral(2)).rewards).toEqual({ entries: [], decisions: [] });
      expect(await f.tracker.releaseDueRewards()).toBe(0);
    });
  });
});
