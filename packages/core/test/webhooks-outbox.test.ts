import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { UnknownPromocodeError, type WebhookEventType } from '@promo-track/core';
import { SECRET } from '../../../test/support/webhook-receiver.js';
import { eachDatabase, rejection, type TrackerFixture, useTracker } from './support.js';

const ALL: WebhookEventType[] = ['promo.created', 'track.recorded', 'share.recorded', 'referral.bound', 'user.forgotten'];
const endpoint = (events: WebhookEventType[] = ALL) => ({ url: 'http://127.0.0.1:9/hooks', secret: SECRET, events });

interface Message {
  type: string;
  status: string;
  names: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
}

async function messages(f: TrackerFixture): Promise<Message[]> {
  const { rows } = await sql<{ type: string; status: string; names: string; payload: string }>`
    select type, status, names, payload from ${sql.table(`${f.prefix}webhook_message`)} order by id`.execute(f.db);
  return rows.map((r) => ({ type: r.type, status: r.status, names: r.names, body: JSON.parse(r.payload) }));
}

/** `,user,referrer,referee,` once each, as a reward's message names them. */
const namesOf = (d: Record<string, unknown>) => `,${[...new Set([d.user_id, d.referrer, d.referee])].join(',')},`;

const types = async (f: TrackerFixture) => (await messages(f)).map((m) => m.type);

/** The outbox is written in the transaction of its fact, from every write path, for the types asked for. */
eachDatabase((database) => {
  describe('every event type, from every write path', () => {
    const f = useTracker(database, { webhooks: [endpoint()], attribution: { model: 'last-touch' } });

    it('promo.created once per promo, with the promo’s wire shape', async () => {
      const promo = await f.tracker.getOrCreatePromo({ userId: 7, page: 'pages/index' });
      await f.tracker.getOrCreatePromo({ userId: 7 });
      const [m, ...rest] = await messages(f);
      expect(rest).toEqual([]);
      expect(m).toMatchObject({ type: 'promo.created', status: 'pending', names: ',7,' });
      expect(m!.body.type).toBe('promo.created');
      expect(new Date(m!.body.timestamp).toISOString()).toBe(m!.body.timestamp);
      expect(m!.body.data).toEqual({
        id: promo.id,
        user_id: 7,
        promo_type: 1,
        appid: null,
        promocode: promo.promocode,
        wxbcode: null,
        page: 'pages/index',
        created_at: promo.createdAt.toISOString(),
      });
    });

    it('recordTrack: track.recorded, and referral.bound with previous_referrer when last-touch rebinds', async () => {
      const b = await f.make({ webhooks: [endpoint(['track.recorded', 'referral.bound'])] }).getOrCreatePromo({ userId: 2 });
      const c = await f.make({ webhooks: [endpoint(['track.recorded', 'referral.bound'])] }).getOrCreatePromo({ userId: 3 });
      const first = await f.tracker.recordTrack({ userId: 1, promocode: b.promocode, scene: 1047 });
      const second = await f.tracker.recordTrack({ userId: 1, promocode: c.promocode, scene: 1007 });
      // A later visit that binds nothing: SQLite's one statement inside the transaction, with its event; elsewhere the transaction.
      const third = await f.tracker.recordTrack({ userId: 1, promocode: c.promocode, scene: 1007 });
      const all = await messages(f);
      expect(all.map((m) => m.type)).toEqual(['track.recorded', 'referral.bound', 'track.recorded', 'referral.bound', 'track.recorded']);
      expect(all[0]!.body.data).toEqual({
        id: first.id,
        track_type: 1,
        scene: '1047',
        detail: null,
        user_id: 1,
        promocode: b.promocode,
        referrer: 2,
        outcome: 'bound',
        created_at: first.createdAt.toISOString(),
      });
      expect(all[1]!.body.data).toEqual({
        user_id: 1,
        referrer: 2,
        promocode: b.promocode,
        scene: '1047',
        track_id: first.id,
        bound_at: first.createdAt.toISOString(),
        previous_referrer: null,
      });
      expect(all[3]!.body.data).toMatchObject({ user_id: 1, referrer: 3, track_id: second.id, previous_referrer: 2 });
      expect(all[3]!.names).toBe(',1,3,2,');
      expect(all[4]!.body.data).toMatchObject({ id: third.id, track_type: 2, referrer: 3, outcome: third.outcome });
      expect(third.outcome).toBe((await f.tracker.explainReferral(1)).decisions[2]!.outcome);
    });

    it('recordTracks: the events of a batch, in order; a refused batch writes none', async () => {
      const b = await f.tracker.getOrCreatePromo({ userId: 2 });
      const before = (await messages(f)).length;
      const tracks = await f.tracker.recordTracks([
        { userId: 10, promocode: b.promocode, scene: 1047 },
        { userId: 11, promocode: b.promocode, scene: 1047, eventId: 'e-11' },
        { userId: 10, promocode: b.promocode, scene: 1047 },
        { userId: 12, promocode: b.promocode, scene: 1047, trackType: 2 },
      ]);
      const written = (await messages(f)).slice(before);
      expect(written.map((m) => m.type)).toEqual([
        'track.recorded',
        'referral.bound',
        'track.recorded',
        'referral.bound',
        'track.recorded',
        'track.recorded',
      ]);
      expect(written.filter((m) => m.type === 'track.recorded').map((m) => m.body.data.id)).toEqual(tracks.map((t) => t.id));
      expect(written.filter((m) => m.type === 'referral.bound').map((m) => m.body.data.user_id)).toEqual([10, 11]);

      await rejection(
        f.tracker.recordTracks([
          { userId: 20, promocode: b.promocode, scene: 1047 },
          { userId: 21, promocode: 'ZZZZZZZZ', scene: 1047 },
        ]),
        UnknownPromocodeError,
      );
      // A code the salt issued but no row holds: refused inside the transaction, after the first visit was written.
      const gone = await f.tracker.getOrCreatePromo({ userId: 30 });
      await f.tracker.forgetUser(30);
      const count = (await messages(f)).length;
      await rejection(
        f.tracker.recordTracks([
          { userId: 20, promocode: b.promocode, scene: 1047 },
          { userId: 21, promocode: gone.promocode, scene: 1047 },
        ]),
        UnknownPromocodeError,
      );
      expect((await messages(f)).length).toBe(count);
    });

    it('a repeated eventId writes no second event', async () => {
      const b = await f.tracker.getOrCreatePromo({ userId: 2 });
      const before = (await messages(f)).length;
      await f.tracker.recordTrack({ userId: 5, promocode: b.promocode, scene: 1047, eventId: 'x' });
      await f.tracker.recordTrack({ userId: 5, promocode: b.promocode, scene: 1047, eventId: 'x' });
      await f.tracker.recordTracks([{ userId: 5, promocode: b.promocode, scene: 1047, eventId: 'x' }]);
      expect((await messages(f)).slice(before).map((m) => m.type)).toEqual(['track.recorded', 'referral.bound']);
    });

    it('share.recorded with the share’s wire shape', async () => {
      const b = await f.tracker.getOrCreatePromo({ userId: 2 });
      const share = await f.tracker.recordShare({ userId: 2, shareType: 1, promocode: b.promocode, page: 'p' });
      const m = (await messages(f)).at(-1)!;
      expect(m.type).toBe('share.recorded');
      expect(m.body.data).toEqual({
        id: share.id,
        share_type: 1,
        page: 'p',
        user_id: 2,
        promocode: b.promocode,
        created_at: share.createdAt.toISOString(),
      });
    });

    it('forgetUser deletes every message naming the user, delivered ones included (issue 30, P1), then writes user.forgotten', async () => {
      const b = await f.tracker.getOrCreatePromo({ userId: 2 });
      await f.tracker.recordTrack({ userId: 1, promocode: b.promocode, scene: 1047 });
      await f.tracker.recordTrack({ userId: 4, promocode: b.promocode, scene: 1047 });
      const c = await f.tracker.getOrCreatePromo({ userId: 3 });
      await f.tracker.recordTrack({ userId: 5, promocode: c.promocode, scene: 1047 });
      // The first message (user 2's promo.created) was delivered: it goes too.
      await sql`update ${sql.table(`${f.prefix}webhook_message`)} set status = 'delivered' where type = 'promo.created' and names = ',2,'`.execute(
        f.db,
      );
      const removed = await f.tracker.forgetUser(2);
      const left = await messages(f);
      expect(left.map((m) => [m.type, m.names])).toEqual([
        ['promo.created', ',3,'],
        ['track.recorded', ',5,3,'],
        ['referral.bound', ',5,3,'],
        ['user.forgotten', ''],
      ]);
      expect(left.at(-1)!.body.data).toEqual({ user_id: 2, ...removed });
      expect(removed).toEqual({ promos: 1, tracks: 0, shares: 0, referrals: 2, conversions: 0, rewards: 0 });
    });
  });

  describe('only what some endpoint asked for', () => {
    const f = useTracker(database);

    it('no endpoint: no message, whatever is written', async () => {
      const b = await f.tracker.getOrCreatePromo({ userId: 2 });
      await f.tracker.recordTrack({ userId: 1, promocode: b.promocode, scene: 1047 });
      await f.tracker.recordTracks([{ userId: 3, promocode: b.promocode, scene: 1047 }]);
      await f.tracker.recordShare({ userId: 1 });
      await f.tracker.forgetUser(1);
      expect(await types(f)).toEqual([]);
    });

    it('track.recorded for every later visit too, alone and in calls that share a commit', async () => {
      const tracker = f.make({ webhooks: [endpoint(['track.recorded'])] });
      const b = await tracker.getOrCreatePromo({ userId: 2 });
      const c = await tracker.getOrCreatePromo({ userId: 3 });
      const tracks = [
        await tracker.recordTrack({ userId: 1, promocode: b.promocode, scene: 1047 }),
        await tracker.recordTrack({ userId: 1, promocode: c.promocode, scene: 1047 }), // kept
        await tracker.recordTrack({ userId: 4, promocode: c.promocode, scene: 1047, trackType: 2 }),
        await tracker.recordTrack({ userId: 4, promocode: b.promocode, scene: 1047 }), // returning_user
      ];
      tracks.push(
        ...(await Promise.all([1, 4, 1, 4].map((userId) => tracker.recordTrack({ userId, promocode: b.promocode, scene: 1001 })))),
      );
      const recorded = (await messages(f)).filter((m) => m.type === 'track.recorded').map((m) => m.body.data.id);
      expect(recorded.sort()).toEqual(tracks.map((t) => t.id).sort());
      expect((await tracker.explainReferral(1)).decisions.map((d) => d.outcome)).toEqual(['bound', 'kept', 'kept', 'kept']);
    });

    it('track.recorded holds each track as written and names its user and referrer once: first and later visits, through another code and the own', async () => {
      // PostgreSQL writes these with the visit's statements (docs/concurrency.md, "Round trips"), the others in its transaction.
      const tracker = f.make({ webhooks: [endpoint(['track.recorded'])] });
      const b = await tracker.getOrCreatePromo({ userId: 2 });
      const own = await tracker.getOrCreatePromo({ userId: 1 });
      const tracks = [
        await tracker.recordTrack({ userId: 1, promocode: b.promocode, scene: 1047 }), // binds to 2
        await tracker.recordTrack({ userId: 1, promocode: b.promocode, scene: 1001, detail: 'again' }),
        await tracker.recordTrack({ userId: 1, promocode: own.promocode, scene: 1001 }), // the own code
        await tracker.recordTrack({ userId: 5, promocode: own.promocode, scene: 1047 }), // binds to 1
        await tracker.recordTrack({ userId: 5, promocode: b.promocode, scene: 1089 }),
      ];
      const recorded = (await messages(f)).filter((m) => m.type === 'track.recorded');
      expect(recorded.map((m) => m.body.data)).toEqual(
        tracks.map((t) => ({
          id: t.id,
          track_type: t.trackType,
          scene: t.scene,
          detail: t.detail,
          user_id: t.userId,
          promocode: t.promocode,
          referrer: t.referrerId,
          outcome: t.outcome,
          created_at: t.createdAt.toISOString(),
        })),
      );
      expect(tracks.map((t) => [t.trackType, t.referrerId])).toEqual([
        [1, 2],
        [2, 2],
        [2, 1],
        [1, 1],
        [2, 2],
      ]);
      expect(recorded.map((m) => m.names)).toEqual([',1,2,', ',1,2,', ',1,', ',5,1,', ',5,2,']);
    });

    it('referral.bound alone, two endpoints: each message holds the binding as written, its track id included', async () => {
      // Without track.recorded a first visit is written in a few statements where the database can
      // (docs/concurrency.md, "Round trips"), its messages with it: the same messages as the transaction's.
      const tracker = f.make({ webhooks: [endpoint(['referral.bound']), { url: 'http://127.0.0.1:9/b', secret: SECRET }] });
      const b = await tracker.getOrCreatePromo({ userId: 2 });
      const track = await tracker.recordTrack({ userId: 1, promocode: b.promocode, scene: 1047 });
      await tracker.recordTrack({ userId: 1, promocode: b.promocode, scene: 1001 });
      const bound = await messages(f);
      expect(bound.map((m) => [m.type, m.status, m.names])).toEqual([
        ['referral.bound', 'pending', ',1,2,'],
        ['referral.bound', 'pending', ',1,2,'],
      ]);
      const expected = {
        user_id: 1,
        referrer: 2,
        promocode: b.promocode,
        scene: '1047',
        track_id: track.id,
        bound_at: track.createdAt.toISOString(),
        previous_referrer: null,
      };
      expect(bound.map((m) => m.body.data)).toEqual([expected, expected]);
    });

    it("reward.created of a binding's entries, two endpoints: each message holds its entry as written, its id included", async () => {
      // Written with the binding's own statements where the database can (docs/concurrency.md, "Round trips").
      const tracker = f.make({
        webhooks: [
          endpoint(['reward.created', 'track.recorded']),
          { url: 'http://127.0.0.1:9/b', secret: SECRET, events: ['reward.created'] },
        ],
        rewards: [
          { id: 'invite', on: 'referral.bound', to: 'referrer', amount: 100, holdDays: 7 },
          { id: 'welcome', on: 'referral.bound', to: 'referee', amount: 50 },
          { id: 'second', on: 'referral.bound', to: 'referrer', amount: 500, every: 2 },
        ],
      });
      const b = await tracker.getOrCreatePromo({ userId: 2 });
      for (const userId of [1, 3]) await tracker.recordTrack({ userId, promocode: b.promocode, scene: 1047 });
      const entries = [...(await tracker.explainReferral(1)).rewards.entries, ...(await tracker.explainReferral(3)).rewards.entries];
      expect(entries.map((r) => [r.ruleId, r.userId, r.refereeId]).sort()).toEqual([
        ['invite', 2, 1],
        ['invite', 2, 3],
        ['second', 2, 3],
        ['welcome', 1, 1],
        ['welcome', 3, 3],
      ]);
      const created = (await messages(f)).filter((m) => m.type === 'reward.created');
      const wire = (r: (typeof entries)[number]) => ({
        id: r.id,
        rule_id: r.ruleId,
        user_id: r.userId,
        referrer: r.referrerId,
        referee: r.refereeId,
        conversion_id: null,
        amount: r.amount,
        currency: r.currency,
        status: r.status,
        payable_at: r.payableAt.toISOString(),
        created_at: r.createdAt.toISOString(),
        settled_at: null,
        replaces: null,
        reversal_of: null,
        note: null,
      });
      const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => Number(a.id) - Number(b.id);
      const twice = entries.flatMap((r) => [wire(r), wire(r)]).sort(byId);
      expect(created.map((m) => m.body.data).sort(byId)).toEqual(twice);
      expect(created.every((m) => m.status === 'pending' && m.names === namesOf(m.body.data))).toBe(true);
    });

    it('the default events (referral.bound, user.forgotten), one message per endpoint that wants the type', async () => {
      const tracker = f.make({ webhooks: [{ url: 'http://127.0.0.1:9/a', secret: SECRET }, endpoint(['track.recorded'])] });
      const b = await tracker.getOrCreatePromo({ userId: 2 });
      await tracker.recordTrack({ userId: 1, promocode: b.promocode, scene: 1047 });
      await tracker.recordShare({ userId: 1 });
      await tracker.forgetUser(9);
      expect((await types(f)).sort()).toEqual(['referral.bound', 'track.recorded', 'user.forgotten']);
      const { rows } = await sql<{
        n: number;
      }>`select count(distinct endpoint) as n from ${sql.table(`${f.prefix}webhook_message`)}`.execute(f.db);
      expect(Number(rows[0]!.n)).toBe(2);
    });
  });
});

describe('the webhooks option', () => {
  it.each([
    [[{ url: 'ftp://x', secret: SECRET }], '`webhooks[0].url` is not an http(s) URL'],
    [[{ url: 'http://x', secret: 'hunter2' }], '`webhooks[0].secret` is not a Standard Webhooks secret'],
    [[{ url: 'http://x', secret: SECRET, events: ['track.deleted'] }], '`webhooks[0].events` must list event types'],
    [
      [
        { url: 'http://x', secret: SECRET },
        { url: 'http://x', secret: SECRET },
      ],
      '`webhooks` lists one URL twice',
    ],
  ])('%j is refused at createTracker', async (webhooks, message) => {
    const { createTracker } = await import('@promo-track/core');
    const { Kysely, SqliteDialect } = await import('kysely');
    const { default: Database } = await import('better-sqlite3');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    expect(() => createTracker({ db, salt: 'a-salt-of-length', webhooks: webhooks as never })).toThrow(message);
    await db.destroy();
  });
});
