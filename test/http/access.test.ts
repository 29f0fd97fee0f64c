import { expect, it } from 'vitest';
import { countRows } from '../support/databases.js';
import type { ApiResponse } from './support/client.js';
import { describeHosts, type HostContext, newUserId } from './support/matrix.js';
import { headerAuth } from './support/servers.js';

const as = (userId: number | undefined, admin = false): Record<string, string> => ({
  ...(userId !== undefined ? { 'x-user-id': String(userId) } : {}),
  ...(admin ? { 'x-admin': '1' } : {}),
});

const expectError = (res: ApiResponse, status: number, code: string, what: string) => {
  expect(res.status, what).toBe(status);
  expect(res.body, what).toEqual({ error: { code, message: expect.any(String) } });
};

/** Every route, as `user` would call it when acting for `target`. */
function routesFor(target: number, promocode: string): [string, string, unknown?][] {
  return [
    ['GET', `/tracks/${target}/1`],
    ['POST', '/tracks', { user_id: target, promocode, scene: 1047 }],
    ['POST', '/tracks/batch', { events: [{ user_id: target, promocode, scene: 1047 }] }],
    ['POST', '/shares', { user_id: target, promocode }],
    ['GET', `/users/${target}/referrer`],
    ['GET', `/users/${target}/referrals`],
    ['GET', `/users/${target}/attribution`],
    ['GET', `/stats?user_id=${target}`],
    ['DELETE', `/users/${target}`],
  ];
}

async function promocodeOf(ctx: HostContext, userId: number) {
  return (await ctx.tracker.getOrCreatePromo({ userId })).promocode;
}

for (const async of [false, true]) {
  describeHosts(`identify and admin (${async ? 'async' : 'sync'})`, { auth: headerAuth(async), mountedOnly: true }, (ctx) => {
    it('answers 401 unauthorized on every route when identify finds no user, and writes nothing', async () => {
      const promocode = await promocodeOf(ctx, newUserId());
      const before = await countRows(ctx.db, ctx.prefix);
      for (const [method, path, json] of [
        ...routesFor(newUserId(), promocode),
        ['GET', `/promos/${promocode}`],
        ['GET', '/leaderboard'],
        ['GET', '/stats'],
      ] as const) {
        expectError(await ctx.api(method, path, { json }), 401, 'unauthorized', `${method} ${path}`);
        expectError(await ctx.api(method, path, { json, headers: { 'x-user-id': '' } }), 401, 'unauthorized', `${method} ${path}`);
      }
      // Authentication comes before the body is even read.
      expectError(await ctx.api('POST', '/tracks', { raw: '{not json' }), 401, 'unauthorized', 'bad JSON');
      expect(await countRows(ctx.db, ctx.prefix)).toEqual(before);
    });

    it('answers 403 forbidden for a request naming another user id, and writes nothing', async () => {
      const me = newUserId();
      const other = newUserId();
      const promocode = await promocodeOf(ctx, other);
      const before = await countRows(ctx.db, ctx.prefix);
      for (const [method, path, json] of routesFor(other, promocode)) {
        expectError(await ctx.api(method, path, { json, headers: as(me) }), 403, 'forbidden', `${method} ${path}`);
      }
      const mixed = {
        events: [
          { promocode, scene: 1047 },
          { user_id: other, promocode, scene: 1047 },
        ],
      };
      expectError(await ctx.api('POST', '/tracks/batch', { json: mixed, headers: as(me) }), 403, 'forbidden', 'mixed batch');
      expect(await countRows(ctx.db, ctx.prefix)).toEqual(before);
    });

    it('lets a user act for themselves, filling in user_id where a body leaves it out', async () => {
      const me = newUserId();
      const promocode = await promocodeOf(ctx, newUserId());
      const promo = await ctx.api('GET', `/tracks/${me}/1`, { headers: as(me) });
      expect(promo).toMatchObject({ status: 200, body: { user_id: me } });
      expect(await ctx.api('GET', `/promos/${promo.body.promocode}`, { headers: as(newUserId()) })).toMatchObject({ status: 200 });
      const track = await ctx.api('POST', '/tracks', { json: { promocode, scene: 1047 }, headers: as(me) });
      expect(track).toMatchObject({ status: 201, body: { user_id: me, track_type: 1 } });
      const batch = await ctx.api('POST', '/tracks/batch', {
        json: {
          events: [
            { promocode, scene: 1001 },
            { user_id: me, promocode, scene: 1001 },
          ],
        },
        headers: as(me),
      });
      expect(batch.status).toBe(201);
      expect(batch.body.items.map((t: { user_id: number }) => t.user_id)).toEqual([me, me]);
      const share = await ctx.api('POST', '/shares', { json: { share_type: 1 }, headers: as(me) });
      expect(share).toMatchObject({ status: 201, body: { user_id: me, share_type: 1 } });
      for (const path of [`/users/${me}/referrer`, `/users/${me}/referrals`, `/users/${me}/attribution`, `/stats?user_id=${me}`]) {
        const res = await ctx.api('GET', path, { headers: as(me) });
        expect(res.status, path).toBe(200);
      }
    });

    it('keeps GET /stats without user_id, GET /leaderboard and DELETE /users/:user_id for operators', async () => {
      const me = newUserId();
      for (const [method, path] of [
        ['GET', '/stats'],
        ['GET', '/stats?promocode=abc'],
        ['GET', '/leaderboard'],
        ['GET', '/export/tracks.csv?from=2000-01-01T00:00:00.000Z&to=2000-01-02T00:00:00.000Z'],
        ['GET', '/export/referrals.csv?to=2000-01-01T00:00:00.000Z'],
        ['GET', '/export/conversions.csv?to=2000-01-01T00:00:00.000Z'],
        ['GET', '/conversions'],
        ['DELETE', `/users/${me}`],
      ]) {
        expectError(await ctx.api(method, path, { headers: as(me) }), 403, 'forbidden', `${method} ${path}`);
        expect((await ctx.api(method, path, { headers: as(me, true) })).status, `${method} ${path}`).toBe(200);
        // An operator need not be a user.
        expect((await ctx.api(method, path, { headers: as(undefined, true) })).status, `${method} ${path}`).toBe(200);
      }
      // Conversions come from the host's backend: a user may not report their own.
      const order = { json: { user_id: me, type: 'first_order', order_id: `access-${me}`, amount: 100 } };
      expectError(await ctx.api('POST', '/conversions', { ...order, headers: as(me) }), 403, 'forbidden', 'POST /conversions');
      const recorded = await ctx.api('POST', '/conversions', { ...order, headers: as(undefined, true) });
      expect(recorded.status).toBe(201);
      expectError(
        await ctx.api('POST', `/conversions/${recorded.body.id}/refunds`, { json: { refund_id: 'r' }, headers: as(me) }),
        403,
        'forbidden',
        'refund',
      );
      expect(
        (await ctx.api('POST', `/conversions/${recorded.body.id}/refunds`, { json: { refund_id: 'r' }, headers: as(me, true) })).body
          .refunded_amount,
      ).toBe(100);
      // Operators may act for any user.
      const other = newUserId();
      expect(await ctx.api('GET', `/tracks/${other}/1`, { headers: as(me, true) })).toMatchObject({
        status: 200,
        body: { user_id: other },
      });
      expect(await ctx.api('DELETE', `/users/${other}`, { headers: as(me, true) })).toMatchObject({ status: 200, body: { promos: 1 } });
    });
  });
}

describeHosts('identify without admin', { auth: { identify: headerAuth().identify }, mountedOnly: true }, (ctx) => {
  it('lets users leave but keeps operator routes closed', async () => {
    const me = newUserId();
    await ctx.api('GET', `/tracks/${me}/1`, { headers: as(me) });
    expectError(await ctx.api('DELETE', `/users/${newUserId()}`, { headers: as(me) }), 403, 'forbidden', 'other');
    expect(await ctx.api('DELETE', `/users/${me}`, { headers: as(me) })).toMatchObject({ status: 200, body: { promos: 1 } });
    expectError(await ctx.api('GET', '/leaderboard', { headers: as(me, true) }), 403, 'forbidden', 'leaderboard');
    expectError(await ctx.api('GET', '/stats', { headers: as(me, true) }), 403, 'forbidden', 'stats');
    expectError(await ctx.api('GET', '/export/tracks.csv', { headers: as(me, true) }), 403, 'forbidden', 'export');
  });
});

describeHosts('admin without identify', { auth: { admin: headerAuth().admin }, mountedOnly: true }, (ctx) => {
  it('keeps operator routes for operators and leaves the rest open', async () => {
    for (const [method, path] of [
      ['GET', '/stats'],
      ['GET', '/leaderboard'],
      ['GET', '/export/tracks.csv?to=2000-01-01T00:00:00.000Z'],
      ['GET', '/export/referrals.csv?to=2000-01-01T00:00:00.000Z'],
      ['GET', '/export/conversions.csv?to=2000-01-01T00:00:00.000Z'],
      ['GET', '/conversions'],
      ['DELETE', `/users/${newUserId()}`],
    ]) {
      expectError(await ctx.api(method, path), 403, 'forbidden', `${method} ${path}`);
      expect((await ctx.api(method, path, { headers: as(undefined, true) })).status).toBe(200);
    }
    expect((await ctx.api('GET', `/tracks/${newUserId()}/1`)).status).toBe(200);
    expect((await ctx.api('GET', `/stats?user_id=${newUserId()}`)).status).toBe(200);
  });
});
