/**
 * The rewards routes on every adapter and database (contract: Rewards, HTTP): a user reads their
 * own entries and balance through `identify`; listing everyone's, settling, voiding and the CSV
 * export are for operators; refused and bad requests change nothing.
 */
import { expect, it } from 'vitest';
import { ISO } from './support/client.js';
import { describeHosts, type HostContext, newUserId } from './support/matrix.js';
import { headerAuth } from './support/servers.js';

const as = (userId: number | undefined, admin = false): Record<string, string> => ({
  ...(userId !== undefined ? { 'x-user-id': String(userId) } : {}),
  ...(admin ? { 'x-admin': '1' } : {}),
});
const ADMIN = as(undefined, true);

const rewards = [
  { id: 'invite', on: 'referral.bound' as const, to: 'referrer' as const, amount: 500, holdDays: 7 },
  { id: 'welcome', on: 'referral.bound' as const, to: 'referee' as const, amount: 300 },
];

/** A referrer and a new user bound to them through the routes; answers their ids. */
async function bindPair(ctx: HostContext) {
  const [referrer, referee] = [newUserId(), newUserId()];
  const promocode = (await ctx.api('GET', `/tracks/${referrer}/1`, { headers: as(referrer) })).body.promocode as string;
  const tracked = await ctx.api('POST', '/tracks', { json: { user_id: referee, promocode, scene: 1047 }, headers: as(referee) });
  expect(tracked.status).toBe(201);
  return { referrer, referee };
}

describeHosts('rewards', { auth: headerAuth(), mountedOnly: true, tracker: { rewards } }, (ctx) => {
  it("GET /users/:user_id/rewards: the user's own entries, newest first, and balance; another user is 403", async () => {
    const { referrer, referee } = await bindPair(ctx);
    const own = await ctx.api('GET', `/users/${referrer}/rewards`, { headers: as(referrer) });
    expect(own.status).toBe(200);
    expect(own.body).toEqual({
      items: [
        {
          id: expect.any(Number),
          rule_id: 'invite',
          user_id: referrer,
          referrer,
          referee,
          conversion_id: null,
          amount: 500,
          currency: 'CNY',
          status: 'held',
          payable_at: expect.stringMatching(ISO),
          created_at: expect.stringMatching(ISO),
          settled_at: null,
          replaces: null,
          reversal_of: null,
          note: null,
        },
      ],
      next_cursor: null,
      balance: [{ currency: 'CNY', held: 500, payable: 0, settled: 0 }],
    });
    expect((await ctx.api('GET', `/users/${referrer}/rewards`, { headers: as(referee) })).status).toBe(403);
    expect((await ctx.api('GET', `/users/${referrer}/rewards`, { headers: ADMIN })).status).toBe(200);
    expect((await ctx.api('GET', `/users/${referrer}/rewards`)).status).toBe(401);
    expect((await ctx.api('GET', `/users/${referee}/rewards?status=payable`, { headers: as(referee) })).body.items).toHaveLength(1);
    const bad = await ctx.api('GET', `/users/${referee}/rewards?status=paid&limit=0`, { headers: as(referee) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['limit', 'status']);
  });

  it('GET /rewards, POST /rewards/settle and POST /rewards/:id/void are for operators; settle is all or nothing (409 with issues)', async () => {
    const { referrer, referee } = await bindPair(ctx);
    const listed = await ctx.api('GET', `/rewards?user_id=${referee}`, { headers: ADMIN });
    expect(listed.status).toBe(200);
    const [welcome] = listed.body.items;
    const invite = (await ctx.api('GET', `/rewards?user_id=${referrer}`, { headers: ADMIN })).body.items[0];
    expect((await ctx.api('GET', '/rewards', { headers: as(referrer) })).status).toBe(403);
    expect((await ctx.api('POST', '/rewards/settle', { json: { ids: [welcome.id] }, headers: as(referee) })).status).toBe(403);

    const refused = await ctx.api('POST', '/rewards/settle', { json: { ids: [welcome.id, invite.id] }, headers: ADMIN });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: 'conflict',
      message: expect.any(String),
      issues: [{ path: 'ids.1', message: `reward ${invite.id} is held, not payable` }],
    });
    expect((await ctx.api('GET', `/rewards?user_id=${referee}&status=settled`, { headers: ADMIN })).body.items).toEqual([]);

    const settled = await ctx.api('POST', '/rewards/settle', { json: { ids: [welcome.id] }, headers: ADMIN });
    expect(settled.status).toBe(200);
    expect(settled.body.items).toMatchObject([{ id: welcome.id, status: 'settled', settled_at: expect.stringMatching(ISO) }]);

    const voided = await ctx.api('POST', `/rewards/${invite.id}/void`, { json: { note: '刷单' }, headers: ADMIN });
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ id: invite.id, status: 'voided', note: '刷单', amount: 500 });
    expect((await ctx.api('POST', `/rewards/${welcome.id}/void`, { headers: ADMIN })).status).toBe(409);
    expect((await ctx.api('POST', '/rewards/99999999/void', { headers: ADMIN })).status).toBe(404);
    expect((await ctx.api('POST', '/rewards/abc/void', { headers: ADMIN })).status).toBe(400);
    expect((await ctx.api('POST', '/rewards/settle', { json: { ids: [] }, headers: ADMIN })).status).toBe(400);
    expect(
      (await ctx.api('POST', '/rewards/settle', { json: { ids: Array.from({ length: 1001 }, (_, i) => i + 1) }, headers: ADMIN })).status,
    ).toBe(400);
  });

  it('GET /users/:user_id/attribution carries the rewards and their decisions', async () => {
    const { referee } = await bindPair(ctx);
    const res = await ctx.api('GET', `/users/${referee}/attribution`, { headers: as(referee) });
    expect(res.status).toBe(200);
    expect(res.body.rewards.entries.map((e: { rule_id: string }) => e.rule_id)).toEqual(['invite', 'welcome']);
    expect(res.body.rewards.decisions).toMatchObject([
      { rule_id: 'invite', conversion_id: null, outcome: 'created', at: expect.stringMatching(ISO) },
      { rule_id: 'welcome', conversion_id: null, outcome: 'created', at: expect.stringMatching(ISO) },
    ]);
  });

  it('GET /export/rewards.csv: operators only, the wire fields and their local twins', async () => {
    const { referrer } = await bindPair(ctx);
    expect((await ctx.api('GET', '/export/rewards.csv', { headers: as(referrer) })).status).toBe(403);
    const res = await ctx.api('GET', '/export/rewards.csv?status=held', { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, ...rows] = res.text
      .trim()
      .split('\r\n')
      .map((line) => line.split(','));
    expect(header).toEqual([
      'id',
      'rule_id',
      'user_id',
      'referrer',
      'referee',
      'conversion_id',
      'amount',
      'currency',
      'status',
      'payable_at',
      'created_at',
      'settled_at',
      'replaces',
      'reversal_of',
      'note',
      'payable_at_local',
      'created_at_local',
      'settled_at_local',
    ]);
    const mine = rows.find((r) => r[2] === String(referrer));
    expect(mine!.slice(0, 9)).toEqual([
      expect.any(String),
      'invite',
      String(referrer),
      String(referrer),
      expect.any(String),
      '',
      '500',
      'CNY',
      'held',
    ]);
    expect(rows.every((r) => r[8] === 'held')).toBe(true);
    expect(mine![15]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
  });
});
