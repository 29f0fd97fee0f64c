/**
 * myRewards() and myInvites(): the signed-in user's own entries, balance and invites, through the
 * real routes (the core's HTTP handler over an in-memory tracker with reward rules, `identify` from
 * the header the client sends), as the "my invites" page (examples/miniprogram-my-invites) reads them.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpHandler, createTracker, type Tracker } from '@promo-track/core';
import { createPromoClient, type PromoRequest } from '../src/index.js';

const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
let tracker: Tracker;
beforeAll(async () => {
  tracker = createTracker({
    db,
    salt: 'my-rewards-salt-0123',
    rewards: [
      { id: 'invite', on: 'referral.bound', to: 'referrer', amount: 500, holdDays: 7 },
      { id: 'welcome', on: 'referral.bound', to: 'referee', amount: 300 },
    ],
  });
  await tracker.migrate();
});
afterAll(() => db.destroy());

/** A phone signed in as `userId` (or nobody): `request` goes straight to the handler, `x-user` is the session. */
function phone(userId: number | undefined) {
  const handler = createHttpHandler(tracker, { identify: (h: Record<string, unknown>) => (h['x-user'] ? Number(h['x-user']) : undefined) });
  const request: PromoRequest = async ({ url, method, data, header }) => {
    const { pathname, searchParams } = new URL(url);
    const res = await handler({
      method,
      path: pathname.replace(/^\/api/, ''),
      query: Object.fromEntries(searchParams),
      headers: header,
      body: data,
      raw: header,
    });
    return { statusCode: res!.status, data: res!.body ? JSON.parse(String(res!.body)) : null };
  };
  const storage = new Map<string, unknown>();
  return createPromoClient({
    baseUrl: 'https://api.example.com/api',
    getUserId: () => userId,
    header: (): Record<string, string> => (userId ? { 'x-user': String(userId) } : {}),
    request,
    storage: { get: (k) => storage.get(k) ?? '', set: (k, v) => storage.set(k, v) },
  });
}

describe('myRewards() and myInvites()', () => {
  it("answer the signed-in user's own entries, balance and invites", async () => {
    const { promocode } = await tracker.getOrCreatePromo({ userId: 7 });
    for (const userId of [70, 71, 72]) await tracker.recordTrack({ userId, promocode, scene: 1047 });

    const promoter = phone(7);
    const rewards = await promoter.myRewards();
    expect(rewards.items.map((r) => [r.rule_id, r.referee, r.amount, r.status])).toEqual([
      ['invite', 72, 500, 'held'],
      ['invite', 71, 500, 'held'],
      ['invite', 70, 500, 'held'],
    ]);
    expect(rewards.balance).toEqual([{ currency: 'CNY', held: 1500, payable: 0, settled: 0 }]);

    const first = await promoter.myInvites();
    expect(first.items.map((i) => i.user_id)).toEqual([72, 71, 70]);
    expect(first.next_cursor).toBeNull();

    expect((await phone(70).myRewards()).balance).toEqual([{ currency: 'CNY', held: 0, payable: 300, settled: 0 }]);
  });

  it('page invites with next_cursor', async () => {
    const { promocode } = await tracker.getOrCreatePromo({ userId: 8 });
    for (let i = 0; i < 60; i++) await tracker.recordTrack({ userId: 800 + i, promocode, scene: 1047 });
    const promoter = phone(8);
    const first = await promoter.myInvites();
    expect(first.items).toHaveLength(50);
    const second = await promoter.myInvites(first.next_cursor);
    expect(second.items).toHaveLength(10);
    expect(second.next_cursor).toBeNull();
  });

  it('reject without a signed-in user', async () => {
    await expect(phone(undefined).myRewards()).rejects.toThrow(/no signed-in user/);
  });
});
