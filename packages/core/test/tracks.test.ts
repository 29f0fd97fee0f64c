import { beforeEach, describe, expect, it } from 'vitest';
import { type RecordTrackInput, type TrackerEvent, UnknownPromocodeError, ValidationError } from '@promo-track/core';
import { eachDatabase, rejection, useTracker } from './support.js';

eachDatabase((database) => {
  const events: TrackerEvent[] = [];
  const f = useTracker(database, { onEvent: (e) => void events.push(e) });
  let code: string; // user 1's promocode
  let code2: string; // user 2's
  beforeEach(async () => {
    code = (await f.tracker.getOrCreatePromo({ userId: 1 })).promocode;
    code2 = (await f.tracker.getOrCreatePromo({ userId: 2 })).promocode;
    events.length = 0;
  });

  describe('recordTrack', () => {
    it('records a visit with the seed’s fields, the scene as a string and the promocode’s owner as referrer', async () => {
      const before = Date.now();
      const track = await f.tracker.recordTrack({ userId: 6432434, promocode: code, scene: 1047, detail: 'poster' });
      expect(track).toEqual({
        id: expect.any(Number),
        trackType: 1,
        scene: '1047',
        detail: 'poster',
        userId: 6432434,
        promocode: code,
        referrerId: 1,
        outcome: 'bound',
        createdAt: expect.any(Date),
      });
      expect(track.createdAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(await f.counts()).toMatchObject({ track: 1 });
      expect(events.filter((e) => e.type === 'track.recorded')).toEqual([{ type: 'track.recorded', track }]);
    });

    it('infers trackType: 1 for a user’s first visit, 2 afterwards, through any promocode', async () => {
      const first = await f.tracker.recordTrack({ userId: 10, promocode: code, scene: '1007' });
      const second = await f.tracker.recordTrack({ userId: 10, promocode: code, scene: '1007' });
      const third = await f.tracker.recordTrack({ userId: 10, promocode: code2, scene: 1008 });
      expect([first.trackType, second.trackType, third.trackType]).toEqual([1, 2, 2]);
      expect((await f.tracker.recordTrack({ userId: 11, promocode: code2, scene: 1008 })).trackType).toBe(1);
    });

    it('takes trackType 2 for a first visit, but never makes a user with an earlier track new', async () => {
      expect((await f.tracker.recordTrack({ userId: 20, promocode: code, scene: 1047, trackType: 2 })).trackType).toBe(2);
      expect((await f.tracker.recordTrack({ userId: 20, promocode: code, scene: 1047 })).trackType).toBe(2);
      expect((await f.tracker.recordTrack({ userId: 20, promocode: code, scene: 1047, trackType: 1 })).trackType).toBe(2);
      expect((await f.tracker.recordTrack({ userId: 21, promocode: code, scene: 1047 })).trackType).toBe(1);
      expect((await f.tracker.recordTrack({ userId: 21, promocode: code, scene: 1047, trackType: 1 })).trackType).toBe(2);
    });

    it('detects a first visit once however many arrive at the same moment', async () => {
      const tracks = await Promise.all(
        Array.from({ length: 20 }, () => f.tracker.recordTrack({ userId: 30, promocode: code, scene: 1047 })),
      );
      expect(tracks.filter((t) => t.trackType === 1)).toHaveLength(1);
      expect(new Set(tracks.map((t) => t.id)).size).toBe(20);
      expect(await f.counts()).toMatchObject({ track: 20, visitor: 1, referral: 1 });
    });

    it('accepts and stores scenes WeChat does not document, and the longest scene and detail', async () => {
      const unknown = await f.tracker.recordTrack({ userId: 40, promocode: code, scene: 9999 });
      expect(unknown.scene).toBe('9999');
      const long = await f.tracker.recordTrack({ userId: 40, promocode: code, scene: '9'.repeat(32), detail: 'd'.repeat(128) });
      expect(long).toMatchObject({ scene: '9'.repeat(32), detail: 'd'.repeat(128) });
      expect((await f.counts()).track).toBe(2);
    });

    it('refuses an unknown promocode with UnknownPromocodeError and writes nothing', async () => {
      const gone = await f.tracker.getOrCreatePromo({ userId: 3 });
      await f.db.deleteFrom(`${f.prefix}promo`).where('id', '=', gone.id).execute();
      const before = await f.counts();
      events.length = 0;
      for (const promocode of [
        gone.promocode,
        'abc',
        'NoSuchCode123',
        code.toLowerCase() === code ? code.toUpperCase() : code.toLowerCase(),
      ]) {
        const error = await rejection(f.tracker.recordTrack({ userId: 50, promocode, scene: 1047 }), UnknownPromocodeError);
        expect(error).toMatchObject({ code: 'unknown_promocode', status: 422, promocode });
      }
      expect(await f.counts()).toEqual(before);
      expect(events).toEqual([]);
      // The user's later real first visit is still their first.
      expect((await f.tracker.recordTrack({ userId: 50, promocode: code, scene: 1047 })).trackType).toBe(1);
    });

    it('refuses a code this salt never issued, even one a promo row holds, for new and returning visitors, one at a time or in a batch', async () => {
      await f.tracker.recordTrack({ userId: 55, promocode: code, scene: 1047 });
      await f.db
        .insertInto(`${f.prefix}promo`)
        .values({ user_id: 9, promo_type: 1, appid: '', promocode: 'HandMade1', created_at: Date.now() })
        .execute();
      const before = await f.counts();
      for (const userId of [55, 56]) {
        await rejection(f.tracker.recordTrack({ userId, promocode: 'HandMade1', scene: 1047 }), UnknownPromocodeError);
        await rejection(f.tracker.recordTracks([{ userId, promocode: 'HandMade1', scene: 1047 }]), UnknownPromocodeError);
      }
      expect(await f.counts()).toEqual(before);
    });

    it('calls that arrive together succeed or fail each on its own', async () => {
      await f.tracker.recordTrack({ userId: 71, promocode: code, scene: 1047 });
      const before = await f.counts();
      const settled = await Promise.allSettled([
        f.tracker.recordTrack({ userId: 70, promocode: code, scene: 1047 }),
        f.tracker.recordTrack({ userId: 72, promocode: 'NoSuchCode123', scene: 1047 }),
        f.tracker.recordTrack({ userId: 71, promocode: code2, scene: 1047 }),
        f.tracker.recordShare({ userId: 70, promocode: code, shareType: 1 }),
        f.tracker.recordTrack({ userId: 73, promocode: code2, scene: 1047, eventId: 'together' }),
      ]);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(UnknownPromocodeError);
      const tracks = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value as { trackType?: number; referrerId?: number });
      expect(tracks.map((t) => [t.trackType, t.referrerId])).toEqual([
        [1, 1],
        [2, 2],
        [undefined, undefined],
        [1, 2],
      ]);
      expect(await f.counts()).toEqual({
        ...before,
        track: before.track + 3,
        share: before.share + 1,
        visitor: before.visitor + 2,
        referral: before.referral + 2,
        decision: before.decision + 3,
      });
      // The visitor whose call failed left no trace: their first visit is still to come.
      expect((await f.tracker.recordTrack({ userId: 72, promocode: code, scene: 1047 })).trackType).toBe(1);
    });

    it('is idempotent per user with eventId: a repeat answers the first record and writes nothing', async () => {
      const first = await f.tracker.recordTrack({ userId: 60, promocode: code, scene: 1047, eventId: 'e-1', detail: 'a' });
      const before = await f.counts();
      const repeat = await f.tracker.recordTrack({ userId: 60, promocode: code2, scene: 1011, eventId: 'e-1', detail: 'b' });
      expect(repeat).toEqual(first);
      expect(await f.counts()).toEqual(before);
      expect(events.filter((e) => e.type === 'track.recorded')).toHaveLength(1);
      // Another user may use the same eventId; the same user another one.
      const other = await f.tracker.recordTrack({ userId: 61, promocode: code, scene: 1047, eventId: 'e-1' });
      expect(other.id).not.toBe(first.id);
      const next = await f.tracker.recordTrack({ userId: 60, promocode: code, scene: 1047, eventId: 'e-2' });
      expect(next).toMatchObject({ trackType: 2 });
      expect((await f.counts()).track).toBe(3);
      // Event ids are case-sensitive on every database.
      const upper = await f.tracker.recordTrack({ userId: 60, promocode: code, scene: 1047, eventId: 'E-1' });
      expect(upper.id).not.toBe(first.id);
      expect((await f.counts()).track).toBe(4);
      const longest = 'x'.repeat(64);
      const a = await f.tracker.recordTrack({ userId: 60, promocode: code, scene: 1047, eventId: longest });
      expect(await f.tracker.recordTrack({ userId: 60, promocode: code, scene: 1047, eventId: longest })).toEqual(a);
    });

    it('50 concurrent repeats of one eventId: one row, every caller gets it, one decision', async () => {
      const tracks = await Promise.all(
        Array.from({ length: 50 }, () => f.tracker.recordTrack({ userId: 70, promocode: code, scene: 1047, eventId: 'launch' })),
      );
      expect(new Set(tracks.map((t) => JSON.stringify(t))).size).toBe(1);
      expect(await f.counts()).toMatchObject({ track: 1, visitor: 1, referral: 1, decision: 1 });
      expect(events.filter((e) => e.type === 'track.recorded')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'referral.bound')).toHaveLength(1);
    });

    const bad: [string, Partial<Record<keyof RecordTrackInput, unknown>>, string][] = [
      ['userId 0', { userId: 0 }, 'userId'],
      ['a negative userId', { userId: -5 }, 'userId'],
      ['a userId past INT32', { userId: 2_147_483_648 }, 'userId'],
      ['a userId as a string', { userId: '5' }, 'userId'],
      ['a fractional userId', { userId: 1.5 }, 'userId'],
      ['no promocode', { promocode: undefined }, 'promocode'],
      ['a promocode that is a number', { promocode: 12345678 }, 'promocode'],
      ['a promocode past 64 characters', { promocode: 'a'.repeat(65) }, 'promocode'],
      ['no scene', { scene: undefined }, 'scene'],
      ['a scene that is not numeric', { scene: 'home' }, 'scene'],
      ['an empty scene', { scene: '' }, 'scene'],
      ['a negative scene', { scene: -1 }, 'scene'],
      ['a fractional scene', { scene: 10.5 }, 'scene'],
      ['a scene past 32 digits', { scene: '1'.repeat(33) }, 'scene'],
      ['trackType 3', { trackType: 3 }, 'trackType'],
      ['trackType as a string', { trackType: '1' }, 'trackType'],
      ['a detail past 128 characters', { detail: 'd'.repeat(129) }, 'detail'],
      ['a detail that is not a string', { detail: { a: 1 } }, 'detail'],
      ['an empty eventId', { eventId: '' }, 'eventId'],
      ['an eventId past 64 characters', { eventId: 'e'.repeat(65) }, 'eventId'],
      ['an eventId with a trailing space', { eventId: 'e1 ' }, 'eventId'],
    ];
    it(`refuses ${bad.length} kinds of bad input (wrong types, ids ≤ 0 or past INT32, strings past the column length) with a ValidationError naming the field, and writes nothing`, async () => {
      const before = await f.counts();
      for (const [name, change, path] of bad) {
        const input = { userId: 80, promocode: code, scene: 1047, ...change };
        const error = await rejection(f.tracker.recordTrack(input as RecordTrackInput), ValidationError);
        expect(error, name).toMatchObject({ code: 'validation_failed', status: 400 });
        expect(
          error.issues.map((i) => i.path),
          name,
        ).toEqual([path]);
        expect(error.message, name).toContain(path);
      }
      expect(await f.counts()).toEqual(before);
    });

    it('refuses input that is not an object', async () => {
      for (const input of [undefined, null, 'track', 42, []]) {
        await rejection(f.tracker.recordTrack(input as never), ValidationError);
      }
      expect((await f.counts()).track).toBe(0);
    });
  });

  describe('onEvent', () => {
    it('a listener that throws, or rejects, never breaks a write', async () => {
      const throwing = f.make({
        onEvent: () => {
          throw new Error('listener bug');
        },
      });
      const rejecting = f.make({ onEvent: async () => Promise.reject(new Error('async listener bug')) });
      const promo = await throwing.getOrCreatePromo({ userId: 90 });
      const track = await throwing.recordTrack({ userId: 91, promocode: promo.promocode, scene: 1047 });
      const share = await throwing.recordShare({ userId: 91, promocode: promo.promocode });
      const batch = await rejecting.recordTracks([{ userId: 92, promocode: promo.promocode, scene: 1047 }]);
      await rejecting.getOrCreatePromo({ userId: 93 });
      expect(track.trackType).toBe(1);
      expect(share.promocode).toBe(promo.promocode);
      expect(batch).toHaveLength(1);
      expect(await f.counts()).toMatchObject({ promo: 4, track: 2, share: 1, referral: 2 });
      expect((await f.tracker.getReferrer(91))?.referrerId).toBe(90);
    });

    it('emits promo.created, track.recorded, referral.bound and share.recorded, once each, after the write', async () => {
      const promo = await f.tracker.getOrCreatePromo({ userId: 95 });
      const track = await f.tracker.recordTrack({ userId: 96, promocode: promo.promocode, scene: 1047 });
      const share = await f.tracker.recordShare({ userId: 96, shareType: 1, promocode: promo.promocode });
      await f.tracker.recordTrack({ userId: 96, promocode: promo.promocode, scene: 1047 });
      expect(events.map((e) => e.type)).toEqual(['promo.created', 'track.recorded', 'referral.bound', 'share.recorded', 'track.recorded']);
      expect(events[0]).toEqual({ type: 'promo.created', promo });
      expect(events[1]).toEqual({ type: 'track.recorded', track });
      expect(events[2]).toEqual({
        type: 'referral.bound',
        referral: { userId: 96, referrerId: 95, promocode: promo.promocode, scene: '1047', trackId: track.id, boundAt: track.createdAt },
        previousReferrerId: null,
      });
      expect(events[3]).toEqual({ type: 'share.recorded', share });
    });
  });

  describe('recordTracks', () => {
    it('records 1000 visits in one call, in order, inferring trackType within the batch', async () => {
      const inputs: RecordTrackInput[] = Array.from({ length: 1000 }, (_, i) => ({
        userId: 1000 + (i % 400),
        promocode: i % 2 ? code : code2,
        scene: 1000 + (i % 100),
        ...(i % 100 === 0 || i === 999 ? { eventId: `batch-${i}` } : {}),
      }));
      const tracks = await f.tracker.recordTracks(inputs);
      expect(tracks).toHaveLength(1000);
      expect(tracks.map((t) => [t.userId, t.promocode, t.scene])).toEqual(inputs.map((i) => [i.userId, i.promocode, String(i.scene)]));
      expect(tracks.filter((t) => t.trackType === 1)).toHaveLength(400);
      expect(tracks.slice(0, 400).every((t) => t.trackType === 1)).toBe(true);
      expect(new Set(tracks.map((t) => t.id)).size).toBe(1000);
      expect(await f.counts()).toMatchObject({ track: 1000, visitor: 400, referral: 400 });
      expect(events.filter((e) => e.type === 'track.recorded')).toHaveLength(1000);
      // Repeats inside a later batch answer the first records.
      const again = await f.tracker.recordTracks([inputs[0], inputs[999], { ...inputs[5], eventId: 'new' }]);
      expect(again.slice(0, 2)).toEqual([tracks[0], tracks[999]]);
      expect(again[2].trackType).toBe(2);
      expect((await f.counts()).track).toBe(1001);
    });

    it('answers a repeated eventId inside one batch with the first record', async () => {
      const [a, b] = await f.tracker.recordTracks([
        { userId: 5, promocode: code, scene: 1047, eventId: 'same' },
        { userId: 5, promocode: code2, scene: 1011, eventId: 'same' },
      ]);
      expect(b).toEqual(a);
      expect((await f.counts()).track).toBe(1);
    });

    it('one invalid input rejects the whole batch with its index in the issue path, and nothing is written', async () => {
      const inputs: unknown[] = Array.from({ length: 10 }, (_, i) => ({ userId: 100 + i, promocode: code, scene: 1047 }));
      inputs[3] = { userId: 103, promocode: code, scene: 'home' };
      const error = await rejection(f.tracker.recordTracks(inputs as RecordTrackInput[]), ValidationError);
      expect(error.issues.map((i) => i.path)).toEqual(['3.scene']);
      inputs[3] = { userId: 0, promocode: code, scene: 1047 };
      inputs[7] = { userId: 107, promocode: code, scene: 1047, detail: 'd'.repeat(200) };
      const two = await rejection(f.tracker.recordTracks(inputs as RecordTrackInput[]), ValidationError);
      expect(two.issues.map((i) => i.path)).toEqual(['3.userId', '7.detail']);
      expect(await f.counts()).toMatchObject({ track: 0, visitor: 0, referral: 0, decision: 0 });
    });

    it('an unknown promocode late in the batch rolls back everything written before it', async () => {
      const inputs: RecordTrackInput[] = Array.from({ length: 50 }, (_, i) => ({ userId: 200 + i, promocode: code, scene: 1047 }));
      inputs[49] = { userId: 249, promocode: 'UnknownCode1', scene: 1047 };
      await rejection(f.tracker.recordTracks(inputs), UnknownPromocodeError);
      expect(await f.counts()).toMatchObject({ track: 0, visitor: 0, referral: 0, decision: 0, share: 0 });
      expect(events).toEqual([]);
      // The users' first visits are still to come.
      expect((await f.tracker.recordTrack(inputs[0])).trackType).toBe(1);
    });

    it('refuses more than 1000 inputs, and writes nothing', async () => {
      const inputs = Array.from({ length: 1001 }, (_, i) => ({ userId: 1 + i, promocode: code, scene: 1047 }));
      const error = await rejection(f.tracker.recordTracks(inputs), ValidationError);
      expect(error.code).toBe('validation_failed');
      expect((await f.counts()).track).toBe(0);
    });

    it('answers an empty batch with an empty list, and refuses what is not a list', async () => {
      expect(await f.tracker.recordTracks([])).toEqual([]);
      await rejection(f.tracker.recordTracks({ userId: 1 } as never), ValidationError);
      await rejection(f.tracker.recordTracks(undefined as never), ValidationError);
    });
  });
});
