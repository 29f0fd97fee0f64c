import { expect, it } from 'vitest';
import { ISO } from './support/client.js';
import { describeHosts, newUserId } from './support/matrix.js';

const PROMO_KEYS = ['appid', 'created_at', 'id', 'page', 'promo_type', 'promocode', 'user_id', 'wxbcode'];
const TRACK_KEYS = ['created_at', 'detail', 'id', 'outcome', 'promocode', 'referrer', 'scene', 'track_type', 'user_id'];
const SHARE_KEYS = ['created_at', 'id', 'page', 'promocode', 'share_type', 'user_id'];
const REFERRAL_KEYS = ['bound_at', 'promocode', 'referrer', 'scene', 'track_id', 'user_id'];
const JSON_TYPE = 'application/json; charset=utf-8';

describeHosts('routes', { mountedOnly: true }, (ctx) => {
  const promoOf = async (userId: number) => (await ctx.api('GET', `/tracks/${userId}/1`)).body.promocode as string;

  it('GET /tracks/:user_id/:promo_type creates the promo once and answers it', async () => {
    const userId = newUserId();
    const first = await ctx.api('GET', `/tracks/${userId}/2?appid=wx123&page=pages/index/index`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe(JSON_TYPE);
    expect(Object.keys(first.body).sort()).toEqual(PROMO_KEYS);
    expect(first.body).toMatchObject({ user_id: userId, promo_type: 2, appid: 'wx123', page: 'pages/index/index', wxbcode: null });
    expect(first.body.promocode).toMatch(/^[A-Za-z0-9]{8,32}$/);
    expect(first.body.created_at).toMatch(ISO);
    const again = await ctx.api('GET', `/tracks/${userId}/2?appid=wx123`);
    expect(again.body).toEqual(first.body);
    const other = await ctx.api('GET', `/tracks/${userId}/1/`);
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ promo_type: 1, appid: null, page: null });
  });

  it('occurred_at on POST /tracks, /tracks/batch and /shares becomes created_at; out of range is validation_failed', async () => {
    const promocode = await promoOf(newUserId());
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const track = await ctx.api('POST', '/tracks', { json: { user_id: newUserId(), promocode, scene: 1047, occurred_at: at } });
    expect(track.status).toBe(201);
    expect(track.body.created_at).toBe(at);
    const batch = await ctx.api('POST', '/tracks/batch', {
      json: { events: [{ user_id: newUserId(), promocode, scene: 1047, occurred_at: at }] },
    });
    expect(batch.body.items[0].created_at).toBe(at);
    const share = await ctx.api('POST', '/shares', { json: { user_id: newUserId(), promocode, occurred_at: at } });
    expect(share.body.created_at).toBe(at);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const refused = await ctx.api('POST', '/tracks/batch', {
      json: {
        events: [
          { user_id: newUserId(), promocode, scene: 1047 },
          { user_id: newUserId(), promocode, scene: 1047, occurred_at: future },
        ],
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'validation_failed',
      issues: [{ path: 'events.1.occurred_at', message: expect.any(String) }],
    });
    const badDate = await ctx.api('POST', '/tracks', { json: { user_id: newUserId(), promocode, scene: 1047, occurred_at: 'yesterday' } });
    expect(badDate.body.error.issues).toEqual([{ path: 'occurred_at', message: expect.any(String) }]);
  });

  it('POST /tracks records a visit (201) and answers a repeated event_id with the first record (200)', async () => {
    const referrer = newUserId();
    const visitor = newUserId();
    const promocode = await promoOf(referrer);
    const body = { user_id: visitor, promocode, scene: 1047, detail: 'poster', event_id: 'e-1', referrer: 999 };
    const created = await ctx.api('POST', '/tracks', { json: body });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(TRACK_KEYS);
    expect(created.body).toMatchObject({
      user_id: visitor,
      promocode,
      scene: '1047',
      detail: 'poster',
      track_type: 1,
      referrer,
      outcome: 'bound',
    });
    expect(created.body.created_at).toMatch(ISO);
    const repeated = await ctx.api('POST', '/tracks', { json: { ...body, scene: '1001' } });
    expect(repeated.status).toBe(200);
    expect(repeated.body).toEqual(created.body);
    const returning = await ctx.api('POST', '/tracks', { json: { user_id: visitor, promocode, scene: '1001' } });
    expect(returning.status).toBe(201);
    expect(returning.body).toMatchObject({ track_type: 2, detail: null, referrer, outcome: 'kept' });
    // `referrer` is the code's owner whoever was credited; `outcome` says whether anyone was: the
    // owner visiting through their own code, and WeChat's crawler, credit nobody.
    const own = await ctx.api('POST', '/tracks', { json: { user_id: referrer, promocode, scene: 1047 } });
    expect(own.body).toMatchObject({ user_id: referrer, referrer, outcome: 'self' });
    const crawler = await ctx.api('POST', '/tracks', { json: { user_id: newUserId(), promocode, scene: 1129 } });
    expect(crawler.body).toMatchObject({ referrer, outcome: 'excluded_scene' });
  });

  it('POST /tracks/batch records every event (201 { items })', async () => {
    const promocode = await promoOf(newUserId());
    const [a, b] = [newUserId(), newUserId()];
    const res = await ctx.api('POST', '/tracks/batch', {
      json: {
        events: [
          { user_id: a, promocode, scene: 1047 },
          { user_id: b, promocode, scene: '1048', track_type: 2 },
        ],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.items).toHaveLength(2);
    expect(Object.keys(res.body.items[0]).sort()).toEqual(TRACK_KEYS);
    expect(
      res.body.items.map((t: { user_id: number; track_type: number; outcome: string }) => [t.user_id, t.track_type, t.outcome]),
    ).toEqual([
      [a, 1, 'bound'],
      [b, 2, 'returning_user'],
    ]);
    const empty = await ctx.api('POST', '/tracks/batch', { json: { events: [] } });
    expect(empty).toMatchObject({ status: 201, body: { items: [] } });
  });

  it('POST /shares records a share (201)', async () => {
    const userId = newUserId();
    const promocode = await promoOf(userId);
    const res = await ctx.api('POST', '/shares', { json: { user_id: userId, share_type: 2, page: 'pages/a', promocode } });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(SHARE_KEYS);
    expect(res.body).toMatchObject({ user_id: userId, share_type: 2, page: 'pages/a', promocode });
    expect(res.body.created_at).toMatch(ISO);
    const anonymous = await ctx.api('POST', '/shares', { json: {} });
    expect(anonymous.status).toBe(201);
    expect(anonymous.body).toMatchObject({ user_id: null, share_type: 0, page: null, promocode: null });
  });

  it('GET /promos/:promocode answers the promo, 404 for none', async () => {
    const userId = newUserId();
    const promo = (await ctx.api('GET', `/tracks/${userId}/1`)).body;
    const found = await ctx.api('GET', `/promos/${encodeURIComponent(promo.promocode)}`);
    expect(found).toMatchObject({ status: 200, body: promo });
    for (const code of ['NoSuchCode123', 'a%20b', '%E0%A4%A', 'x'.repeat(100)]) {
      const missing = await ctx.api('GET', `/promos/${code}`);
      const refusal = ctx.adapter.routerRefusal?.(`/promos/${code}`);
      if (refusal) {
        expect(missing).toMatchObject({ status: refusal.status, body: { code: refusal.code } });
        continue;
      }
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    }
  });

  it('GET /users/:user_id/referrer, /referrals and /attribution follow the binding', async () => {
    const referrer = newUserId();
    const [a, b] = [newUserId(), newUserId()];
    const promocode = await promoOf(referrer);
    const tracked = [];
    for (const user of [a, b]) tracked.push((await ctx.api('POST', '/tracks', { json: { user_id: user, promocode, scene: 1047 } })).body);

    const referral = await ctx.api('GET', `/users/${a}/referrer`);
    expect(referral.status).toBe(200);
    expect(Object.keys(referral.body).sort()).toEqual(REFERRAL_KEYS);
    expect(referral.body).toMatchObject({ user_id: a, referrer, promocode, scene: '1047', track_id: tracked[0].id });
    expect(referral.body.bound_at).toMatch(ISO);
    const none = await ctx.api('GET', `/users/${referrer}/referrer`);
    expect(none).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });

    const page1 = await ctx.api('GET', `/users/${referrer}/referrals?limit=1`);
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((r: { user_id: number }) => r.user_id)).toEqual([b]);
    expect(typeof page1.body.next_cursor).toBe('string');
    const page2 = await ctx.api('GET', `/users/${referrer}/referrals?limit=1&cursor=${encodeURIComponent(page1.body.next_cursor)}`);
    expect(page2.body.items.map((r: { user_id: number }) => r.user_id)).toEqual([a]);
    const all = await ctx.api('GET', `/users/${referrer}/referrals`);
    expect(all.body).toMatchObject({ next_cursor: null });
    expect(Object.keys(all.body.items[0]).sort()).toEqual(REFERRAL_KEYS);

    const explained = await ctx.api('GET', `/users/${a}/attribution`);
    expect(explained.status).toBe(200);
    expect(explained.body.referral).toEqual(referral.body);
    expect(explained.body.decisions).toEqual([
      { track_id: tracked[0].id, promocode, candidate: referrer, outcome: 'bound', scene: '1047', at: expect.stringMatching(ISO) },
    ]);
    // The decision names its visit's own scene: an excluded one says which.
    await ctx.api('POST', '/tracks', { json: { user_id: a, promocode: await promoOf(newUserId()), scene: 1129 } });
    expect((await ctx.api('GET', `/users/${a}/attribution`)).body.decisions[1]).toMatchObject({ outcome: 'excluded_scene', scene: '1129' });
    const nobody = await ctx.api('GET', `/users/${newUserId()}/attribution`);
    expect(nobody).toMatchObject({ status: 200, body: { referral: null, decisions: [] } });
  });

  it('GET /stats and GET /leaderboard answer the wire shapes', async () => {
    const referrer = newUserId();
    const promocode = await promoOf(referrer);
    await ctx.api('POST', '/tracks', { json: { user_id: newUserId(), promocode, scene: 1047 } });
    await ctx.api('POST', '/shares', { json: { user_id: referrer, share_type: 1, promocode } });

    const stats = await ctx.api('GET', `/stats?user_id=${referrer}`);
    expect(stats.status).toBe(200);
    const day = new Date().toISOString().slice(0, 10);
    expect(stats.body).toEqual({
      visits: 1,
      new_user_visits: 1,
      returning_user_visits: 0,
      unique_visitors: 1,
      referrals: 1,
      shares: 1,
      by_scene: [{ scene: '1047', label: expect.any(String), visits: 1 }],
      by_day: [{ day, visits: 1, new_user_visits: 1, shares: 1, conversions: 0 }],
      by_share_type: [{ share_type: 1, shares: 1 }],
      conversions: { count: 0, referred: 0, by_type: [], revenue: [] },
    });
    const byCode = await ctx.api('GET', `/stats?promocode=${promocode}&from=2000-01-01&to=2999-01-01T00:00:00.000Z`);
    expect(byCode.body).toMatchObject({ visits: 1, shares: 1 });
    const future = await ctx.api('GET', `/stats?promocode=${promocode}&from=2999-01-01T00:00:00%2B08:00`);
    expect(future.body).toMatchObject({ visits: 0, by_scene: [], by_day: [] });
    const everything = await ctx.api('GET', '/stats');
    expect(everything.status).toBe(200);

    const board = await ctx.api('GET', '/leaderboard?limit=500&from=2000-01-01');
    expect(board.status).toBe(200);
    expect(board.body.items).toContainEqual({ referrer, referrals: 1, visits: 1, conversions: 0, revenue: 0 });
    for (const item of board.body.items)
      expect(Object.keys(item).sort()).toEqual(['conversions', 'referrals', 'referrer', 'revenue', 'visits']);
  });

  it('DELETE /users/:user_id forgets the user and answers the removed counts', async () => {
    const userId = newUserId();
    const visitor = newUserId();
    const promocode = await promoOf(userId);
    await ctx.api('POST', '/tracks', { json: { user_id: visitor, promocode, scene: 1047 } });
    await ctx.api('POST', '/shares', { json: { user_id: userId } });
    const res = await ctx.api('DELETE', `/users/${userId}`);
    expect(res).toMatchObject({ status: 200, body: { promos: 1, tracks: 0, shares: 1, referrals: 1, conversions: 0, rewards: 0 } });
    expect(Object.keys(res.body).sort()).toEqual(['conversions', 'promos', 'referrals', 'rewards', 'shares', 'tracks']);
    expect((await ctx.api('GET', `/promos/${promocode}`)).status).toBe(404);
    expect((await ctx.api('GET', `/users/${visitor}/referrer`)).status).toBe(404);
    expect(await ctx.api('DELETE', `/users/${userId}`)).toMatchObject({
      status: 200,
      body: { promos: 0, tracks: 0, shares: 0, referrals: 0, rewards: 0 },
    });
  });

  it('answers validation_failed (400) with issue paths in wire names', async () => {
    const promocode = await promoOf(newUserId());
    const cases: [string, string, unknown, string[]][] = [
      ['POST', '/tracks', { promocode, scene: 1047 }, ['user_id']],
      ['POST', '/tracks', { user_id: 1, promocode, scene: 'home', track_type: 3 }, ['scene', 'track_type']],
      ['POST', '/tracks', [], ['']],
      ['POST', '/tracks', undefined, ['']],
      [
        'POST',
        '/tracks/batch',
        {
          events: [
            { user_id: 1, promocode, scene: 1 },
            { user_id: '2', promocode, scene: 1 },
          ],
        },
        ['events.1.user_id'],
      ],
      ['POST', '/tracks/batch', { events: Array.from({ length: 1001 }, () => ({ user_id: 1, promocode, scene: 1 })) }, ['events']],
      ['POST', '/shares', { share_type: 5, event_id: 'x'.repeat(65) }, ['share_type', 'event_id']],
      ['GET', '/tracks/abc/1', undefined, ['user_id']],
      ['GET', '/tracks/1/0', undefined, ['promo_type']],
      ['GET', '/tracks/2147483648/1?appid=' + 'a'.repeat(33), undefined, ['user_id', 'appid']],
      ['GET', '/users/-1/referrer', undefined, ['user_id']],
      ['GET', '/users/1.5/attribution', undefined, ['user_id']],
      ['GET', '/users/0/referrals?limit=0', undefined, ['user_id', 'limit']],
      ['GET', '/users/1/referrals?limit=abc', undefined, ['limit']],
      ['GET', '/users/1/referrals?limit=501', undefined, ['limit']],
      ['GET', '/stats?user_id=x&from=yesterday&to=2026-02-30', undefined, ['user_id', 'from', 'to']],
      ['GET', '/stats?promocode=a&promocode=b', undefined, ['promocode']],
      ['GET', '/leaderboard?limit=-3&to=2026-01-01T25:00:00Z', undefined, ['to', 'limit']],
      ['DELETE', '/users/abc', undefined, ['user_id']],
    ];
    for (const [method, path, json, paths] of cases) {
      const res = await ctx.api(method, path, json === undefined ? {} : { json });
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(typeof res.body.error.message).toBe('string');
      expect(res.body.error.issues.map((i: { path: string }) => i.path).sort(), `${method} ${path}`).toEqual([...paths].sort());
      for (const issue of res.body.error.issues) expect(Object.keys(issue).sort()).toEqual(['message', 'path']);
    }
  });

  it('answers unknown_promocode (422) for a track or share naming no promo', async () => {
    const promo = await ctx.api('GET', '/tracks/1/1');
    const known = { user_id: 2, promocode: (promo.body as { promocode: string }).promocode, scene: 1047 };
    for (const [path, json, issuePath] of [
      ['/tracks', { user_id: 1, promocode: 'NoSuchCode1', scene: 1047 }, 'promocode'],
      ['/tracks/batch', { events: [known, known, { user_id: 1, promocode: 'NoSuchCode1', scene: 1047 }] }, 'events.2.promocode'],
      ['/shares', { user_id: 1, promocode: 'NoSuchCode1' }, 'promocode'],
    ] as const) {
      const res = await ctx.api('POST', path, { json });
      expect(res.status, path).toBe(422);
      expect(res.body).toEqual({
        error: {
          code: 'unknown_promocode',
          message: expect.stringContaining('NoSuchCode1'),
          issues: [{ path: issuePath, message: expect.any(String) }],
        },
      });
    }
  });

  it('answers invalid_json (400) for a body that is not JSON', async () => {
    for (const raw of ['{"user_id": 1,', 'user_id=1', '\u00ff\u00fe']) {
      const res = await ctx.api('POST', '/tracks', { raw });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: { code: 'invalid_json', message: expect.any(String) } });
    }
  });

  it('answers payload_too_large (413) for a body past 1 MiB, and keeps serving', async () => {
    const huge = JSON.stringify({ events: [], padding: 'x'.repeat(2 * 1024 * 1024) });
    const res = await ctx.api('POST', '/tracks/batch', { raw: huge });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    const justUnder = JSON.stringify({ events: [], padding: 'x'.repeat(1024 * 1024 - 40) });
    expect((await ctx.api('POST', '/tracks/batch', { raw: justUnder })).status).toBe(201);
  });
});
