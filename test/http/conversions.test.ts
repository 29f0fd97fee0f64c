import { expect, it } from 'vitest';
import { ISO } from './support/client.js';
import { describeHosts, newUserId } from './support/matrix.js';

const CONVERSION_KEYS = ['amount', 'created_at', 'currency', 'detail', 'id', 'order_id', 'referrer', 'refunded_amount', 'type', 'user_id'];

describeHosts('conversion routes', { mountedOnly: true }, (ctx) => {
  /** A new referee bound to a new referrer, through the routes. */
  const bound = async () => {
    const [referrer, user] = [newUserId(), newUserId()];
    const { promocode } = (await ctx.api('GET', `/tracks/${referrer}/1`)).body;
    expect((await ctx.api('POST', '/tracks', { json: { user_id: user, promocode, scene: 1047 } })).status).toBe(201);
    return { referrer, user };
  };

  it('POST /conversions: 201 with the wire shape, 200 and the first record for a repeat, 409 conflict for the same key with another amount', async () => {
    const { referrer, user } = await bound();
    const orderId = `order-${user}`;
    const json = { user_id: user, type: 'first_order', order_id: orderId, amount: 1990, detail: '首单' };
    const created = await ctx.api('POST', '/conversions', { json });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(CONVERSION_KEYS);
    expect(created.body).toMatchObject({
      user_id: user,
      type: 'first_order',
      order_id: orderId,
      amount: 1990,
      refunded_amount: 0,
      currency: 'CNY',
      referrer,
      detail: '首单',
    });
    expect(created.body.created_at).toMatch(ISO);
    expect(await ctx.api('POST', '/conversions', { json })).toMatchObject({ status: 200, body: created.body });
    const conflict = await ctx.api('POST', '/conversions', { json: { ...json, amount: 1 } });
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    expect((await ctx.api('GET', `/conversions?user_id=${user}`)).body.items).toEqual([created.body]);
    const bad = await ctx.api('POST', '/conversions', {
      json: { user_id: user, type: 'Order!', amount: -1, currency: 'rmb', occurred_at: 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['type', 'amount', 'currency', 'occurred_at']);
  });

  it('POST /conversions/:id/refunds: partial refunds add up, a repeated refund_id changes nothing, past the amount is 400, an unknown id 404', async () => {
    const { user } = await bound();
    const { id } = (await ctx.api('POST', '/conversions', { json: { user_id: user, type: 'order', order_id: `r-${user}`, amount: 1000 } }))
      .body;
    const refund = (json: unknown, to = id) => ctx.api('POST', `/conversions/${to}/refunds`, { json });
    expect(await refund({ refund_id: 'a', amount: 400 })).toMatchObject({ status: 200, body: { id, refunded_amount: 400 } });
    expect(await refund({ refund_id: 'a', amount: 100 })).toMatchObject({ status: 200, body: { refunded_amount: 400 } });
    expect(await refund({ refund_id: 'b', amount: 601 })).toMatchObject({
      status: 400,
      body: { error: { code: 'validation_failed', issues: [{ path: 'amount' }] } },
    });
    expect(await refund({ refund_id: 'b' })).toMatchObject({ status: 200, body: { refunded_amount: 1000 } });
    expect(await refund({ refund_id: 'c' }, id + 100_000)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await refund({ amount: 5 }, 'abc')).toMatchObject({
      status: 400,
      body: { error: { issues: [{ path: 'id' }, { path: 'refund_id' }] } },
    });
  });

  it('attribution, stats, leaderboard by revenue, the list and forgetting through the routes', async () => {
    const { referrer, user } = await bound();
    const { id } = (
      await ctx.api('POST', '/conversions', {
        json: { user_id: user, type: 'topup', order_id: `t-${user}`, amount: 5000, currency: 'USD' },
      })
    ).body;
    await ctx.api('POST', `/conversions/${id}/refunds`, { json: { refund_id: 'x', amount: 1000 } });
    const attribution = await ctx.api('GET', `/users/${user}/attribution`);
    expect(attribution.body.conversions).toEqual([expect.objectContaining({ id, referrer, refunded_amount: 1000 })]);
    const stats = await ctx.api('GET', `/stats?user_id=${referrer}`);
    expect(stats.body.conversions).toEqual({
      count: 1,
      referred: 1,
      by_type: [{ type: 'topup', count: 1, referred: 1 }],
      revenue: [{ currency: 'USD', amount: 4000, referred_amount: 4000 }],
    });
    expect(stats.body.by_day.at(-1)).toMatchObject({ conversions: 1 });
    const board = await ctx.api('GET', '/leaderboard?order_by=revenue&currency=USD&limit=500');
    expect(board.body.items).toContainEqual({ referrer, referrals: 1, visits: 1, conversions: 1, revenue: 4000 });
    expect((await ctx.api('GET', '/leaderboard?order_by=profit')).status).toBe(400);
    const page = await ctx.api('GET', `/conversions?referrer=${referrer}&type=topup&limit=1`);
    expect(page.body).toEqual({ items: [expect.objectContaining({ id })], next_cursor: null });
    expect(await ctx.api('DELETE', `/users/${referrer}`)).toMatchObject({ status: 200, body: { conversions: 0 } });
    expect((await ctx.api('GET', `/conversions?user_id=${user}`)).body.items).toEqual([expect.objectContaining({ id, referrer: null })]);
    expect(await ctx.api('DELETE', `/users/${user}`)).toMatchObject({ status: 200, body: { conversions: 1 } });
  });
});
