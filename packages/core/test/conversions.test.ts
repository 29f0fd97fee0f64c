import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, type Conversion, NotFoundError, type TrackerEvent, ValidationError } from '@promo-track/core';
import { SECRET } from '../../../test/support/webhook-receiver.js';
import { DAY, eachDatabase, rejection, type TrackerFixture, useTracker } from './support.js';

/** Rows of the conversion tables and the outbox: what a refused call must leave unchanged. */
async function written(f: TrackerFixture) {
  const count = async (table: string) =>
    Number((await sql<{ n: number | string }>`select count(*) as n from ${sql.table(f.prefix + table)}`.execute(f.db)).rows[0]!.n);
  const sums = await sql<{
    r: number | string | null;
  }>`select sum(refunded_amount) as r from ${sql.table(`${f.prefix}conversion`)}`.execute(f.db);
  return {
    conversions: await count('conversion'),
    refunds: await count('conversion_refund'),
    refunded: Number(sums.rows[0]!.r ?? 0),
    messages: await count('webhook_message'),
  };
}

async function outbox(f: TrackerFixture) {
  const { rows } = await sql<{ type: string; names: string; payload: string }>`
    select type, names, payload from ${sql.table(`${f.prefix}webhook_message`)} where type like 'conversion.%' order by id`.execute(f.db);
  return rows.map((r) => ({ type: r.type, names: r.names, data: JSON.parse(r.payload).data as Record<string, unknown> }));
}

eachDatabase((database) => {
  const events: TrackerEvent[] = [];
  const f = useTracker(database, {
    attribution: { model: 'last-touch' },
    webhooks: [{ url: 'http://127.0.0.1:9/hooks', secret: SECRET, events: ['conversion.recorded', 'conversion.refunded'] }],
    onEvent: (e) => void events.push(e),
  });
  beforeEach(() => {
    events.length = 0;
  });

  /** User `referee` arrives through `referrer`'s code (a binding under first visits, a rebinding later). */
  const visit = async (referee: number, referrer: number) => {
    const { promocode } = await f.tracker.getOrCreatePromo({ userId: referrer });
    return f.tracker.recordTrack({ userId: referee, promocode, scene: 1047 });
  };

  describe('recordConversion', () => {
    it('credits the referrer bound at that moment; a later rebinding never moves it; an unbound user credits no one', async () => {
      await visit(2, 1);
      const first = await f.tracker.recordConversion({ userId: 2, type: 'first_order', orderId: 'A-1', amount: 1990 });
      expect(first).toEqual({
        id: first.id,
        userId: 2,
        type: 'first_order',
        orderId: 'A-1',
        amount: 1990,
        refundedAmount: 0,
        currency: 'CNY',
        referrerId: 1,
        detail: null,
        createdAt: expect.any(Date),
      });
      await visit(2, 3); // last-touch: user 2 is now bound to 3
      expect((await f.tracker.getReferrer(2))?.referrerId).toBe(3);
      const second = await f.tracker.recordConversion({
        userId: 2,
        type: 'order',
        orderId: 'A-2',
        amount: 500,
        currency: 'USD',
        detail: '复购',
      });
      expect(second).toMatchObject({ referrerId: 3, currency: 'USD', detail: '复购' });
      const [a, b] = (await f.tracker.explainReferral(2)).conversions;
      expect([a?.referrerId, b?.referrerId]).toEqual([1, 3]);
      expect(await f.tracker.recordConversion({ userId: 9, type: 'register' })).toMatchObject({
        referrerId: null,
        amount: 0,
        orderId: null,
      });
    });

    it('a repeat of (type, orderId) returns the first record and writes nothing, whatever its time or detail', async () => {
      await visit(2, 1);
      const first = await f.tracker.recordConversion({ userId: 2, type: 'order', orderId: 'A-1', amount: 100, detail: 'first' });
      const before = await written(f);
      const again = await f.tracker.recordConversion({
        userId: 2,
        type: 'order',
        orderId: 'A-1',
        amount: 100,
        detail: 'second',
        occurredAt: new Date(Date.now() - DAY),
      });
      expect(again).toEqual(first);
      expect(await written(f)).toEqual(before);
      // The same order id under another type is another conversion.
      expect((await f.tracker.recordConversion({ userId: 2, type: 'topup', orderId: 'A-1', amount: 100 })).id).not.toBe(first.id);
    });

    it('without an order id, a type happens once per user', async () => {
      const a = await f.tracker.recordConversion({ userId: 2, type: 'phone_verified' });
      expect(await f.tracker.recordConversion({ userId: 2, type: 'phone_verified' })).toEqual(a);
      const b = await f.tracker.recordConversion({ userId: 3, type: 'phone_verified' });
      expect(b.id).not.toBe(a.id);
      expect((await written(f)).conversions).toBe(2);
    });

    it('the same key with another user, amount or currency is a ConflictError (409) and writes nothing', async () => {
      await f.tracker.recordConversion({ userId: 2, type: 'order', orderId: 'A-1', amount: 100 });
      await f.tracker.recordConversion({ userId: 2, type: 'register', amount: 0 });
      const before = await written(f);
      for (const input of [
        { userId: 3, type: 'order', orderId: 'A-1', amount: 100 },
        { userId: 2, type: 'order', orderId: 'A-1', amount: 101 },
        { userId: 2, type: 'order', orderId: 'A-1', amount: 100, currency: 'USD' },
        { userId: 2, type: 'register', amount: 5 },
      ]) {
        const error = await rejection(f.tracker.recordConversion(input), ConflictError);
        expect(error).toMatchObject({ code: 'conflict', status: 409 });
      }
      expect(await written(f)).toEqual(before);
    });

    it('50 concurrent calls with one key: one row, every caller gets the same record, one event', async () => {
      await visit(2, 1);
      events.length = 0;
      const all = await Promise.all(
        Array.from({ length: 50 }, () => f.tracker.recordConversion({ userId: 2, type: 'first_order', orderId: 'X', amount: 7 })),
      );
      expect(new Set(all.map((c) => c.id)).size).toBe(1);
      expect(all.every((c) => c.referrerId === 1)).toBe(true);
      expect(await written(f)).toMatchObject({ conversions: 1, messages: 1 });
      expect(events.filter((e) => e.type === 'conversion.recorded')).toHaveLength(1);
    });

    it('refuses bad input before any query: ValidationError, nothing written', async () => {
      const bad: [string, Record<string, unknown>][] = [
        ['type', { userId: 2, type: 'First Order' }],
        ['type', { userId: 2, type: '' }],
        ['type', { userId: 2, type: 'x'.repeat(33) }],
        ['orderId', { userId: 2, type: 'order', orderId: 'x'.repeat(65) }],
        ['orderId', { userId: 2, type: 'order', orderId: ' A-1' }],
        ['amount', { userId: 2, type: 'order', amount: -1 }],
        ['amount', { userId: 2, type: 'order', amount: 1.5 }],
        ['amount', { userId: 2, type: 'order', amount: 1e12 + 1 }],
        ['currency', { userId: 2, type: 'order', currency: 'cny' }],
        ['currency', { userId: 2, type: 'order', currency: 'CNYY' }],
        ['userId', { userId: 0, type: 'order' }],
        ['occurredAt', { userId: 2, type: 'order', occurredAt: new Date(Date.now() + 3_600_000) }],
        ['occurredAt', { userId: 2, type: 'order', occurredAt: new Date(Date.now() - 8 * DAY) }],
        ['detail', { userId: 2, type: 'order', detail: 'x'.repeat(256) }],
      ];
      for (const [path, input] of bad) {
        const error = await rejection(f.tracker.recordConversion(input as never), ValidationError);
        expect(
          error.issues.map((i) => i.path),
          JSON.stringify(input),
        ).toContain(path);
      }
      expect(await written(f)).toEqual({ conversions: 0, refunds: 0, refunded: 0, messages: 0 });
    });
  });

  describe('refundConversion', () => {
    let order: Conversion;
    const setUp = async () => {
      await visit(2, 1);
      order = await f.tracker.recordConversion({ userId: 2, type: 'order', orderId: 'R-1', amount: 1000 });
    };

    it('partial refunds add up; the default amount is what is left', async () => {
      await setUp();
      expect(await f.tracker.refundConversion({ conversionId: order.id }, { refundId: 'r1', amount: 300 })).toMatchObject({
        refundedAmount: 300,
        amount: 1000,
      });
      expect(await f.tracker.refundConversion({ type: 'order', orderId: 'R-1' }, { refundId: 'r2', amount: 200 })).toMatchObject({
        refundedAmount: 500,
      });
      expect(await f.tracker.refundConversion({ conversionId: order.id }, { refundId: 'r3' })).toMatchObject({ refundedAmount: 1000 });
      expect(await written(f)).toMatchObject({ refunds: 3, refunded: 1000 });
      const refunds = events.filter((e) => e.type === 'conversion.refunded');
      expect(refunds.map((e) => e.type === 'conversion.refunded' && e.refund)).toEqual([
        { refundId: 'r1', amount: 300 },
        { refundId: 'r2', amount: 200 },
        { refundId: 'r3', amount: 500 },
      ]);
    });

    it('a repeated refund id changes nothing, whatever amount it names', async () => {
      await setUp();
      await f.tracker.refundConversion({ conversionId: order.id }, { refundId: 'r1', amount: 300 });
      const before = await written(f);
      const again = await f.tracker.refundConversion({ conversionId: order.id }, { refundId: 'r1', amount: 700 });
      expect(again).toMatchObject({ id: order.id, refundedAmount: 300 });
      expect(await f.tracker.refundConversion({ conversionId: order.id }, { refundId: 'r1' })).toMatchObject({ refundedAmount: 300 });
      expect(await written(f)).toEqual(before);
    });

    it('refunds past the amount are refused and write nothing; so is a refund of a fully refunded conversion', async () => {
      await setUp();
      await f.tracker.refundConversion({ conversionId: order.id }, { refundId: 'r1', amount: 600 });
      const before = await written(f);
      const error = await rejection(
        f.tracker.refundConversion({ conversionId: order.id }, { refundId: 'r2', amount: 401 }),
        ValidationError,
      );
      expect(error.issues).toEqual([{ path: 'amount', message: 'must not exceed what is left to refund (400)' }]);
      expect(await written(f)).toEqual(before);
      await f.tracker.refundConversion({ conversionId: order.id }, { refundId: 'r3' });
      const full = await written(f);
      await rejection(f.tracker.refundConversion({ conversionId: order.id }, { refundId: 'r4' }), ValidationError);
      await rejection(f.tracker.refundConversion({ conversionId: order.id }, { refundId: 'r5', amount: 1 }), ValidationError);
      expect(await written(f)).toEqual(full);
    });

    it('concurrent refunds of one conversion never add up past its amount', async () => {
      await setUp();
      const results = await Promise.allSettled(
        Array.from({ length: 25 }, (_, i) => f.tracker.refundConversion({ conversionId: order.id }, { refundId: `c${i}`, amount: 100 })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      expect(
        results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof ValidationError),
      ).toBe(true);
      expect(await written(f)).toMatchObject({ refunds: 10, refunded: 1000 });
    });

    it('an unknown conversion is a NotFoundError; bad input a ValidationError; neither writes', async () => {
      await setUp();
      const before = await written(f);
      await rejection(f.tracker.refundConversion({ conversionId: order.id + 1000 }, { refundId: 'r1' }), NotFoundError);
      await rejection(f.tracker.refundConversion({ type: 'order', orderId: 'nope' }, { refundId: 'r1' }), NotFoundError);
      await rejection(f.tracker.refundConversion({ conversionId: order.id }, { refundId: '' }), ValidationError);
      await rejection(f.tracker.refundConversion({ conversionId: order.id }, { refundId: 'r1', amount: 0 }), ValidationError);
      await rejection(f.tracker.refundConversion({ conversionId: -1 } as never, { refundId: 'r1' }), ValidationError);
      expect(await written(f)).toEqual(before);
    });
  });

  describe('outbox, lists, exports, explain and forget', () => {
    it('writes conversion.recorded and conversion.refunded with the conversion’s wire shape, naming both users', async () => {
      await visit(2, 1);
      const c = await f.tracker.recordConversion({ userId: 2, type: 'order', orderId: 'W-1', amount: 300 });
      await f.tracker.recordConversion({ userId: 2, type: 'order', orderId: 'W-1', amount: 300 });
      await f.tracker.refundConversion({ conversionId: c.id }, { refundId: 'r', amount: 100 });
      const messages = await outbox(f);
      expect(messages.map((m) => [m.type, m.names])).toEqual([
        ['conversion.recorded', ',2,1,'],
        ['conversion.refunded', ',2,1,'],
      ]);
      expect(messages[1]!.data).toEqual({
        id: c.id,
        user_id: 2,
        type: 'order',
        order_id: 'W-1',
        amount: 300,
        refunded_amount: 100,
        currency: 'CNY',
        referrer: 1,
        detail: null,
        created_at: c.createdAt.toISOString(),
      });
    });

    it('listConversions: newest first, filtered, paged by a stable cursor; exportConversions: oldest first', async () => {
      await visit(2, 1);
      await visit(3, 1);
      const now = Date.now();
      const made: Conversion[] = [];
      for (let i = 0; i < 7; i++) {
        made.push(
          await f.tracker.recordConversion({
            userId: i % 2 ? 2 : 3,
            type: i % 3 ? 'order' : 'topup',
            orderId: `L-${i}`,
            amount: i,
            occurredAt: new Date(now - (7 - i) * 60_000),
          }),
        );
      }
      made.push(await f.tracker.recordConversion({ userId: 4, type: 'order', orderId: 'L-7', occurredAt: new Date(now - 60_000 * 3) }));
      const all: Conversion[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Conversion[]; nextCursor: string | null } = await f.tracker.listConversions({ limit: 3, cursor });
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      const newest = [...made].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id);
      expect(all.map((c) => c.id)).toEqual(newest.map((c) => c.id));
      expect((await f.tracker.listConversions({ userId: 2 })).items.map((c) => c.id)).toEqual(
        newest.filter((c) => c.userId === 2).map((c) => c.id),
      );
      expect((await f.tracker.listConversions({ referrerId: 1, type: 'topup' })).items.map((c) => c.id)).toEqual(
        newest.filter((c) => c.referrerId === 1 && c.type === 'topup').map((c) => c.id),
      );
      const from = new Date(now - 5 * 60_000);
      expect((await f.tracker.listConversions({ from, to: new Date(now - 2 * 60_000) })).items.map((c) => c.id)).toEqual(
        newest.filter((c) => c.createdAt >= from && c.createdAt.getTime() < now - 2 * 60_000).map((c) => c.id),
      );
      const exported: Conversion[] = [];
      for await (const c of f.tracker.exportConversions()) exported.push(c);
      expect(exported.map((c) => c.id)).toEqual([...newest].reverse().map((c) => c.id));
      await rejection(f.tracker.listConversions({ cursor: 'not-a-cursor' }), ValidationError);
      await rejection(f.tracker.listConversions({ limit: 501 }), ValidationError);
    });

    it('explainReferral lists the user’s conversions, oldest first, each with whom it was credited to', async () => {
      await visit(2, 1);
      const c = await f.tracker.recordConversion({ userId: 2, type: 'first_order', orderId: 'E-1', amount: 990 });
      await f.tracker.refundConversion({ conversionId: c.id }, { refundId: 'E-1-r' });
      const explained = await f.tracker.explainReferral(2);
      expect(explained.referral?.referrerId).toBe(1);
      expect(explained.conversions).toEqual([{ ...c, refundedAmount: 990 }]);
      expect((await f.tracker.explainReferral(1)).conversions).toEqual([]);
    });

    it('forgetUser deletes the user’s conversions and refunds; those credited to a forgotten referrer stay, credited to no one', async () => {
      await visit(2, 1);
      await visit(3, 2);
      const own = await f.tracker.recordConversion({ userId: 2, type: 'order', orderId: 'F-1', amount: 100 });
      await f.tracker.refundConversion({ conversionId: own.id }, { refundId: 'x', amount: 10 });
      const credited = await f.tracker.recordConversion({ userId: 3, type: 'order', orderId: 'F-2', amount: 200 });
      expect(credited.referrerId).toBe(2);
      const removed = await f.tracker.forgetUser(2);
      expect(removed.conversions).toBe(1);
      expect((await f.tracker.listConversions()).items).toEqual([{ ...credited, referrerId: null }]);
      expect(await written(f)).toMatchObject({ conversions: 1, refunds: 0 });
      // The forgotten user's messages are gone; user 3's recorded event named user 2 too.
      expect((await outbox(f)).filter((m) => m.names.includes(',2,'))).toEqual([]);
      expect((await f.tracker.stats()).conversions).toMatchObject({
        count: 1,
        referred: 0,
        revenue: [{ currency: 'CNY', amount: 200, referredAmount: 0 }],
      });
    });
  });
});
