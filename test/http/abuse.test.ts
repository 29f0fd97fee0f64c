/**
 * Abuse signals over HTTP, on every adapter and database: the `ip` signal is the request's own client
 * address (the body's is replaced; `trustProxy` reads X-Forwarded-For), the body's `device` is kept,
 * and the review queue's two routes (admin only).
 */
import { expect, it } from 'vitest';
import type { Tracker } from '@promo-track/core';
import { ISO } from './support/client.js';
import { describeHosts, type HostContext, newUserId } from './support/matrix.js';
import { headerAuth } from './support/servers.js';

const codeOf = async (t: Tracker, userId: number) => (await t.getOrCreatePromo({ userId })).promocode;

/** A new user's first visit over HTTP; answers the decision's flags from the attribution route. */
async function arriveOverHttp(ctx: HostContext, referrerId: number, body: object, headers: Record<string, string> = {}) {
  const userId = newUserId();
  const res = await ctx.api('POST', '/tracks', {
    json: { user_id: userId, promocode: await codeOf(ctx.tracker, referrerId), scene: 1047, ...body },
    headers,
  });
  expect(res.status).toBe(201);
  const explained = await ctx.api('GET', `/users/${userId}/attribution`, { headers });
  const decision = explained.body.decisions.find((d: { track_id: number }) => d.track_id === res.body.id);
  expect(decision.outcome).toBe('bound');
  return { userId, flags: decision.flags as string[] | undefined };
}

/** The referrer's own visit, through the library with the given signals (what they used before). */
const ownVisit = async (t: Tracker, userId: number, signals: { ip?: string; device?: string }) =>
  t.recordTrack({ userId, promocode: await codeOf(t, newUserId()), scene: 1001, signals });

describeHosts("abuse signals: the ip is the request's", { tracker: { abuse: { sameIpHours: 1 } } }, (ctx) => {
  it("the connection's address is the ip signal, whatever the body says; X-Forwarded-For is ignored without trustProxy", async () => {
    const loopback = newUserId();
    await ownVisit(ctx.tracker, loopback, { ip: '127.0.0.1' });
    const spoofed = { signals: { ip: '198.51.100.1' } };
    expect((await arriveOverHttp(ctx, loopback, spoofed, { 'x-forwarded-for': '198.51.100.1' })).flags).toEqual(['same_ip']);

    const elsewhere = newUserId();
    await ownVisit(ctx.tracker, elsewhere, { ip: '198.51.100.1' });
    expect((await arriveOverHttp(ctx, elsewhere, spoofed, { 'x-forwarded-for': '198.51.100.1' })).flags).toBeUndefined();
  });

  it("the body's device is kept: a batch from the referrer's phone is flagged same_device", async () => {
    const referrer = newUserId();
    await ownVisit(ctx.tracker, referrer, { device: `install-${referrer}` });
    const userId = newUserId();
    const events = [
      { user_id: userId, promocode: await codeOf(ctx.tracker, referrer), scene: 1047, signals: { device: `install-${referrer}` } },
    ];
    expect((await ctx.api('POST', '/tracks/batch', { json: { events } })).status).toBe(201);
    expect((await ctx.tracker.explainReferral(userId)).decisions[0]!.flags).toEqual(['same_device']);
  });

  it("a share carries the sharer's device; bad signals are validation_failed and write nothing", async () => {
    const referrer = newUserId();
    const promocode = await codeOf(ctx.tracker, referrer);
    expect(
      (await ctx.api('POST', '/shares', { json: { user_id: referrer, promocode, signals: { device: `phone-${referrer}` } } })).status,
    ).toBe(201);
    expect((await arriveOverHttp(ctx, referrer, { signals: { device: `phone-${referrer}` } })).flags).toEqual(
      expect.arrayContaining(['same_device']),
    );

    const bad = await ctx.api('POST', '/tracks', { json: { user_id: newUserId(), promocode, scene: 1047, signals: { device: 7 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', issues: [{ path: 'signals.device' }] });
  });
});

describeHosts('abuse signals behind a proxy', { tracker: { abuse: { sameIpHours: 1 } }, trustProxy: true, mountedOnly: true }, (ctx) => {
  it("with trustProxy the left-most X-Forwarded-For address is the client's", async () => {
    const referrer = newUserId();
    await ownVisit(ctx.tracker, referrer, { ip: '203.0.113.5' });
    const behind = { 'x-forwarded-for': '203.0.113.5, 10.0.0.1' };
    expect((await arriveOverHttp(ctx, referrer, { signals: { ip: '192.0.2.99' } }, behind)).flags).toEqual(['same_ip']);
    // No header: the connection's address.
    expect((await arriveOverHttp(ctx, referrer, {})).flags).toBeUndefined();
  });
});

describeHosts(
  'the review queue routes',
  { tracker: { abuse: { maxBindingsPerHour: 1 } }, auth: headerAuth(), mountedOnly: true },
  (ctx) => {
    const admin = { 'x-admin': '1' };
    it('GET /flags lists flagged referees; POST /users/:id/flags/resolve releases or voids; both admin only', async () => {
      const referrer = newUserId();
      const promocode = await codeOf(ctx.tracker, referrer);
      const users = [newUserId(), newUserId()];
      for (const userId of users) {
        const res = await ctx.api('POST', '/tracks', {
          json: { user_id: userId, promocode, scene: 1047 },
          headers: { 'x-user-id': String(userId) },
        });
        expect(res.status).toBe(201);
      }
      const page = await ctx.api('GET', '/flags?status=open&limit=500', { headers: admin });
      expect(page.status).toBe(200);
      const item = page.body.items.find((i: { referee: number }) => i.referee === users[1]);
      expect(item).toEqual({
        referee: users[1],
        referrer,
        flags: ['velocity'],
        matches: [{ flag: 'velocity', bindings: 1, limit: 1 }],
        status: 'open',
        at: expect.stringMatching(ISO),
        track_id: expect.any(Number),
        resolved_at: null,
        note: null,
      });
      expect(page.body).toHaveProperty('next_cursor');

      const user = { 'x-user-id': String(users[1]) };
      expect((await ctx.api('GET', '/flags', { headers: user })).status).toBe(403);
      expect((await ctx.api('POST', `/users/${users[1]}/flags/resolve`, { json: { action: 'release' }, headers: user })).status).toBe(403);

      const wrong = await ctx.api('POST', `/users/${users[1]}/flags/resolve`, { json: { action: 'approve' }, headers: admin });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.issues[0].path).toBe('action');
      expect((await ctx.api('GET', '/flags?status=closed', { headers: admin })).status).toBe(400);
      expect((await ctx.api('GET', '/flags?cursor=zzz', { headers: admin })).status).toBe(400);
      expect((await ctx.api('POST', `/users/${users[0]}/flags/resolve`, { json: { action: 'void' }, headers: admin })).status).toBe(404);

      const voided = await ctx.api('POST', `/users/${users[1]}/flags/resolve`, { json: { action: 'void', note: 'farm' }, headers: admin });
      expect(voided.status).toBe(200);
      expect(voided.body).toMatchObject({ referee: users[1], status: 'voided', note: 'farm', resolved_at: expect.stringMatching(ISO) });
      const again = await ctx.api('POST', `/users/${users[1]}/flags/resolve`, { json: { action: 'release' }, headers: admin });
      expect(again.status).toBe(400);
    });
  },
);
