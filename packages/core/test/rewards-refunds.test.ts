/**
 * The refund table of docs/rewards.md on every database (contract: Rewards): full and partial
 * refunds, before and after settlement, under a fixed and a percent rule. Each row lists the
 * conversion's entries afterwards (amount, status, what it replaces or claws back) and the balance.
 * Also: conversion rules' conditions (no referrer, window, first only) leave their decisions.
 */
import { describe, expect, it } from 'vitest';
import type { Reward, RewardRule, Tracker } from '@promo-track/core';
import { eachDatabase, freezeTime, useTracker } from './support.js';

const FIXED: RewardRule = { id: 'fixed', on: { conversion: 'order' }, to: 'referrer', amount: 1000 };
const PERCENT: RewardRule = { id: 'pct', on: { conversion: 'pct_order' }, to: 'referrer', percent: 10 };
const HELD: RewardRule = { id: 'held_pct', on: { conversion: 'held_order' }, to: 'referrer', percent: 10, holdDays: 7 };
const FIRST: RewardRule = { id: 'first', on: { conversion: 'first_order' }, to: 'referrer', amount: 800, firstOnly: true, withinDays: 30 };

type Step = { refund: number } | 'settle';
interface Row {
  name: string;
  type: 'order' | 'pct_order';
  steps: Step[];
  /** [amount, status, replaces an earlier entry, claws one back] in the order written. */
  entries: [number, Reward['status'], boolean, boolean][];
  balance: { held: number; payable: number; settled: number };
}

const TABLE: Row[] = [
  {
    name: 'fixed, full refund before settlement',
    type: 'order',
    steps: [{ refund: 10_000 }],
    entries: [[1000, 'reversed', false, false]],
    balance: { held: 0, payable: 0, settled: 0 },
  },
  {
    name: 'fixed, partial refund before settlement',
    type: 'order',
    steps: [{ refund: 3000 }],
    entries: [[1000, 'payable', false, false]],
    balance: { held: 0, payable: 1000, settled: 0 },
  },
  {
    name: 'fixed, partial then the rest before settlement',
    type: 'order',
    steps: [{ refund: 3000 }, { refund: 7000 }],
    entries: [[1000, 'reversed', false, false]],
    balance: { held: 0, payable: 0, settled: 0 },
  },
  {
    name: 'fixed, full refund after settlement',
    type: 'order',
    steps: ['settle', { refund: 10_000 }],
    entries: [
      [1000, 'settled', false, false],
      [-1000, 'payable', false, true],
    ],
    balance: { held: 0, payable: -1000, settled: 1000 },
  },
  {
    name: 'fixed, partial refund after settlement',
    type: 'order',
    steps: ['settle', { refund: 3000 }],
    entries: [[1000, 'settled', false, false]],
    balance: { held: 0, payable: 0, settled: 1000 },
  },
  {
    name: 'percent, full refund before settlement',
    type: 'pct_order',
    steps: [{ refund: 10_000 }],
    entries: [[1000, 'reversed', false, false]],
    balance: { held: 0, payable: 0, settled: 0 },
  },
  {
    name: 'percent, partial refund before settlement',
    type: 'pct_order',
    steps: [{ refund: 3000 }],
    entries: [
      [1000, 'reversed', false, false],
      [700, 'payable', true, false],
    ],
    balance: { held: 0, payable: 700, settled: 0 },
  },
  {
    name: 'percent, two partial refunds before settlement',
    type: 'pct_order',
    steps: [{ refund: 3000 }, { refund: 2500 }],
    entries: [
      [1000, 'reversed', false, false],
      [700, 'reversed', true, false],
      [450, 'payable', true, false],
    ],
    balance: { held: 0, payable: 450, settled: 0 },
  },
  {
    name: 'percent, full refund after settlement',
    type: 'pct_order',
    steps: ['settle', { refund: 10_000 }],
    entries: [
      [1000, 'settled', false, false],
      [-1000, 'payable', false, true],
    ],
    balance: { held: 0, payable: -1000, settled: 1000 },
  },
  {
    name: 'percent, two partial refunds after settlement',
    type: 'pct_order',
    steps: ['settle', { refund: 3000 }, { refund: 2000 }],
    entries: [
      [1000, 'settled', false, false],
      [-300, 'payable', false, true],
      [-200, 'payable', false, true],
    ],
    balance: { held: 0, payable: -500, settled: 1000 },
  },
  {
    name: 'percent, partial before, the replacement settled, the rest after',
    type: 'pct_order',
    steps: [{ refund: 3000 }, 'settle', { refund: 7000 }],
    entries: [
      [1000, 'reversed', false, false],
      [700, 'settled', true, false],
      [-700, 'payable', false, true],
    ],
    balance: { held: 0, payable: -700, settled: 700 },
  },
];

async function bound(tracker: Tracker, referrer: number, user: number) {
  const { promocode } = await tracker.getOrCreatePromo({ userId: referrer });
  await tracker.recordTrack({ userId: user, promocode, scene: 1047 });
}

eachDatabase((database) => {
  describe('the refund table', () => {
    const f = useTracker(database, { rewards: [FIXED, PERCENT, HELD, FIRST] });

    it.each(TABLE)('$name', async (row) => {
      await bound(f.tracker, 1, 2);
      const conversion = await f.tracker.recordConversion({ userId: 2, type: row.type, orderId: '8812', amount: 10_000 });
      let n = 0;
      for (const step of row.steps) {
        if (step === 'settle') {
          const payable = (await f.tracker.listRewards({ userId: 1, status: 'payable' })).items;
          await f.tracker.settleRewards({ ids: payable.map((r) => r.id) });
        } else {
          await f.tracker.refundConversion({ conversionId: conversion.id }, { refundId: `r${++n}`, amount: step.refund });
        }
      }
      const entries = (await f.tracker.listRewards({ userId: 1 })).items.reverse();
      expect(entries.map((e) => [e.amount, e.status, e.replaces !== null, e.reversalOf !== null])).toEqual(row.entries);
      for (const e of entries) expect(e).toMatchObject({ conversionId: conversion.id, referrerId: 1, refereeId: 2, currency: 'CNY' });
      const reversed = entries.filter((e) => e.status === 'reversed');
      for (const e of reversed) expect(e.note).toBe('order 8812 refunded');
      // A replacement points at the entry it replaces; a claw-back at the settled one.
      for (const e of entries.filter((x) => x.replaces !== null)) expect(entries.find((x) => x.id === e.replaces)?.status).toBe('reversed');
      for (const e of entries.filter((x) => x.reversalOf !== null))
        expect(entries.find((x) => x.id === e.reversalOf)?.status).toBe('settled');
      expect(await f.tracker.rewardBalance(1)).toEqual(
        row.balance.held || row.balance.payable || row.balance.settled ? [{ currency: 'CNY', ...row.balance }] : [],
      );
    });

    it("a replacement keeps the entry's payableAt: still held through the refund window", async () => {
      freezeTime('2026-12-01T00:00:00Z');
      await bound(f.tracker, 1, 2);
      const conversion = await f.tracker.recordConversion({ userId: 2, type: 'held_order', orderId: 'h1', amount: 5000 });
      freezeTime('2026-12-03T00:00:00Z');
      await f.tracker.refundConversion({ conversionId: conversion.id }, { refundId: 'part', amount: 1000 });
      const [replacement, first] = (await f.tracker.listRewards({ userId: 1 })).items;
      expect(first).toMatchObject({ amount: 500, status: 'reversed' });
      expect(replacement).toMatchObject({ amount: 400, status: 'held', replaces: first!.id });
      expect(replacement!.payableAt.toISOString()).toBe('2026-12-08T00:00:00.000Z');
    });

    it('a repeated refund id changes nothing in the ledger', async () => {
      await bound(f.tracker, 1, 2);
      const conversion = await f.tracker.recordConversion({ userId: 2, type: 'pct_order', orderId: 'x', amount: 10_000 });
      await f.tracker.refundConversion({ conversionId: conversion.id }, { refundId: 'same', amount: 3000 });
      const before = (await f.tracker.listRewards()).items;
      await f.tracker.refundConversion({ conversionId: conversion.id }, { refundId: 'same', amount: 3000 });
      expect((await f.tracker.listRewards()).items).toEqual(before);
    });

    it('conversion rules leave decisions: no referrer, not the first, outside the window', async () => {
      freezeTime('2026-11-01T00:00:00Z');
      await f.tracker.recordConversion({ userId: 9, type: 'first_order', orderId: 'u1', amount: 100 }); // unbound
      await bound(f.tracker, 1, 2);
      const first = await f.tracker.recordConversion({ userId: 2, type: 'first_order', orderId: 'a', amount: 100 });
      const second = await f.tracker.recordConversion({ userId: 2, type: 'first_order', orderId: 'b', amount: 100 });
      await bound(f.tracker, 1, 3);
      freezeTime('2026-12-02T00:00:01Z'); // 31 days after user 3's binding
      const late = await f.tracker.recordConversion({
        userId: 3,
        type: 'first_order',
        orderId: 'c',
        amount: 100,
        occurredAt: new Date('2026-12-02T00:00:00Z'),
      });
      const decided = (await f.tracker.explainReferral(1)).rewards.decisions.filter((d) => d.ruleId === 'first');
      expect(decided.map((d) => [d.conversionId, d.outcome])).toEqual([
        [first.id, 'created'],
        [second.id, 'not_first'],
        [late.id, 'outside_window'],
      ]);
      expect((await f.tracker.explainReferral(9)).rewards.decisions.map((d) => d.outcome)).toEqual(['no_referrer']);
      expect((await f.tracker.listRewards({ userId: 1 })).items.map((r) => [r.conversionId, r.amount])).toEqual([[first.id, 800]]);
    });
  });
});
