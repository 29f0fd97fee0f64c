/** The `rewards` option is checked at createTracker: each mistake names the rule's field and the fix. */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createTracker, type RewardRule } from '@promo-track/core';
import { SALT } from './support.js';

const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
afterAll(() => db.destroy());

function refusal(rewards: unknown): string {
  try {
    createTracker({ db, salt: SALT, rewards: rewards as RewardRule[] });
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  throw new Error(`createTracker accepted ${JSON.stringify(rewards)}`);
}

const ok: RewardRule = { id: 'invite', on: 'referral.bound', to: 'referrer', amount: 500 };

describe('the rewards option', () => {
  it('accepts the three programs of docs/rewards.md', () => {
    expect(() =>
      createTracker({
        db,
        salt: SALT,
        rewards: [
          { id: 'first_order', on: { conversion: 'order' }, to: 'referrer', amount: 1000, firstOnly: true, holdDays: 7 },
          { id: 'new_user_coupon', on: 'referral.bound', to: 'referee', amount: 2000, currency: 'CNY' },
          { id: 'referrer_cash', on: { conversion: 'first_order' }, to: 'referrer', percent: 5, withinDays: 30, holdDays: 7 },
          { id: 'every_5', on: 'referral.bound', to: 'referrer', amount: 5000, every: 5, cap: { count: 10, per: 'month' } },
        ],
      }),
    ).not.toThrow();
  });

  it.each([
    ['not an array', { id: 'x' }, /`rewards` must be an array of rules/],
    ['not an object', [42], /`rewards\[0\]` must be an object/],
    ['a bad id', [{ ...ok, id: 'Invite!' }], /`rewards\[0\]\.id` is "Invite!"\. Use 1 to 32 of a-z/],
    ['a repeated id', [ok, ok], /`rewards\[1\]\.id` repeats "invite"\. Give every rule its own id/],
    ['an unknown field', [{ ...ok, level: 2 }], /`rewards\[0\]\.level` is not a rule field/],
    [
      'an unknown trigger',
      [{ ...ok, on: 'share.recorded' }],
      /`rewards\[0\]\.on` is "share\.recorded"\. Use 'referral\.bound', or `\{ conversion: 'first_order' \}`/,
    ],
    ['a bad conversion type', [{ ...ok, on: { conversion: 'First Order' } }], /`rewards\[0\]\.on\.conversion` is "First Order"/],
    ['a bad side', [{ ...ok, to: 'upline' }], /`rewards\[0\]\.to` is "upline"\. Use 'referrer' or 'referee'/],
    [
      'both amount and percent',
      [{ ...ok, on: { conversion: 'order' }, percent: 5 }],
      /`rewards\[0\]` needs exactly one of `amount` and `percent`/,
    ],
    ['neither', [{ id: 'x', on: 'referral.bound', to: 'referrer' }], /needs exactly one of `amount` and `percent`/],
    ['a fractional amount', [{ ...ok, amount: 1.5 }], /`rewards\[0\]\.amount` is 1\.5\. Use a whole number of minor units/],
    [
      'a percent on a binding',
      [{ id: 'x', on: 'referral.bound', to: 'referrer', percent: 5 }],
      /`rewards\[0\]\.percent` is only for conversion rules/,
    ],
    ['a percent above 100', [{ id: 'x', on: { conversion: 'order' }, to: 'referrer', percent: 150 }], /`rewards\[0\]\.percent` is 150/],
    ['withinDays on a binding', [{ ...ok, withinDays: 30 }], /`rewards\[0\]\.withinDays` is only for conversion rules/],
    ['firstOnly on a binding', [{ ...ok, firstOnly: true }], /`rewards\[0\]\.firstOnly` is only for conversion rules/],
    ['a bad currency', [{ ...ok, currency: 'rmb' }], /`rewards\[0\]\.currency` is "rmb"\. Use three upper-case letters/],
    ['negative holdDays', [{ ...ok, holdDays: -1 }], /`rewards\[0\]\.holdDays` is -1/],
    ['every 0', [{ ...ok, every: 0 }], /`rewards\[0\]\.every` is 0\. Use a whole number from 1 up/],
    [
      'a cap per year',
      [{ ...ok, cap: { count: 10, per: 'year' } }],
      /`rewards\[0\]\.cap\.per` is "year"\. Use 'day', 'week', 'month' or 'all'/,
    ],
    ['a cap of 0', [{ ...ok, cap: { count: 0, per: 'day' } }], /`rewards\[0\]\.cap\.count` is 0/],
  ])('refuses %s', (_, rewards, message) => {
    expect(refusal(rewards)).toMatch(message);
  });

  it('reads the rules once: editing the array later changes nothing', async () => {
    const rules: RewardRule[] = [{ ...ok }];
    const tracker = createTracker({ db, salt: SALT, rewards: rules });
    await tracker.migrate();
    (rules[0] as { amount: number }).amount = 1;
    const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
    await tracker.recordTrack({ userId: 2, promocode, scene: 1047 });
    expect((await tracker.listRewards()).items.map((r) => r.amount)).toEqual([500]);
  });
});
