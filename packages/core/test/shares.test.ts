import { beforeEach, expect, it } from 'vitest';
import { type RecordShareInput, type TrackerEvent, UnknownPromocodeError, ValidationError } from '@promo-track/core';
import { eachDatabase, rejection, useTracker } from './support.js';

eachDatabase((database) => {
  const events: TrackerEvent[] = [];
  const f = useTracker(database, { onEvent: (e) => void events.push(e) });
  let code: string;
  beforeEach(async () => {
    code = (await f.tracker.getOrCreatePromo({ userId: 1 })).promocode;
    events.length = 0;
  });

  it('records a share with the defaults: type 0, no page, no user, no promocode', async () => {
    const before = Date.now();
    const share = await f.tracker.recordShare({});
    expect(share).toEqual({ id: expect.any(Number), shareType: 0, page: null, userId: null, promocode: null, createdAt: expect.any(Date) });
    expect(share.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(events).toEqual([{ type: 'share.recorded', share }]);
    expect((await f.counts()).share).toBe(1);
  });

  it('records every field it is given', async () => {
    const menu = await f.tracker.recordShare({ userId: 5, shareType: 1, page: 'pages/goods/detail', promocode: code });
    expect(menu).toMatchObject({ userId: 5, shareType: 1, page: 'pages/goods/detail', promocode: code });
    const button = await f.tracker.recordShare({ userId: 5, shareType: 2, page: 'p'.repeat(255) });
    expect(button).toMatchObject({ shareType: 2, page: 'p'.repeat(255), promocode: null });
    expect(button.id).not.toBe(menu.id);
    expect((await f.counts()).share).toBe(2);
  });

  it('refuses a promocode that does not exist with UnknownPromocodeError, and writes nothing', async () => {
    for (const promocode of ['abc', 'NoSuchCode99', code.slice(1)]) {
      const error = await rejection(f.tracker.recordShare({ userId: 5, promocode }), UnknownPromocodeError);
      expect(error).toMatchObject({ code: 'unknown_promocode', status: 422 });
    }
    expect((await f.counts()).share).toBe(0);
    expect(events).toEqual([]);
  });

  it('is idempotent per user with eventId, also for concurrent repeats', async () => {
    const first = await f.tracker.recordShare({ userId: 5, shareType: 1, eventId: 's-1' });
    expect(await f.tracker.recordShare({ userId: 5, shareType: 2, eventId: 's-1' })).toEqual(first);
    const racing = await Promise.all(
      Array.from({ length: 30 }, () => f.tracker.recordShare({ userId: 6, promocode: code, eventId: 's-1' })),
    );
    expect(new Set(racing.map((s) => s.id)).size).toBe(1);
    expect(racing[0].id).not.toBe(first.id);
    expect((await f.counts()).share).toBe(2);
    expect(events.filter((e) => e.type === 'share.recorded')).toHaveLength(2);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['shareType 3', { shareType: 3 }, 'shareType'],
    ['shareType as a string', { shareType: '1' }, 'shareType'],
    ['userId 0', { userId: 0 }, 'userId'],
    ['a userId past INT32', { userId: 2 ** 31 }, 'userId'],
    ['a page past 255 characters', { page: 'p'.repeat(256) }, 'page'],
    ['a promocode past 64 characters', { promocode: 'c'.repeat(65) }, 'promocode'],
    ['a promocode that is a number', { promocode: 42 }, 'promocode'],
    ['an eventId past 64 characters', { userId: 1, eventId: 'e'.repeat(65) }, 'eventId'],
  ];
  it(`refuses ${bad.length} kinds of bad input with a ValidationError naming the field, and writes nothing`, async () => {
    for (const [name, input, path] of bad) {
      const error = await rejection(f.tracker.recordShare(input as RecordShareInput), ValidationError);
      expect(
        error.issues.map((i) => i.path),
        name,
      ).toEqual([path]);
    }
    expect((await f.counts()).share).toBe(0);
  });
});
