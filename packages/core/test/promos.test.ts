import { expect, it } from 'vitest';
import { type TrackerEvent, ValidationError } from '@promo-track/core';
import { eachDatabase, rejection, useTracker } from './support.js';

eachDatabase((database) => {
  const events: TrackerEvent[] = [];
  const f = useTracker(database, { onEvent: (e) => void events.push(e) });

  it('creates a promo with the defaults, then answers the same row', async () => {
    events.length = 0;
    const before = Date.now();
    const promo = await f.tracker.getOrCreatePromo({ userId: 12323 });
    expect(promo).toEqual({
      id: expect.any(Number),
      userId: 12323,
      promoType: 1,
      appid: null,
      promocode: expect.stringMatching(/^[A-Za-z0-9]{8,32}$/),
      wxbcode: null,
      page: null,
      createdAt: expect.any(Date),
    });
    expect(promo.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(promo.createdAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await f.tracker.getOrCreatePromo({ userId: 12323 })).toEqual(promo);
    expect(await f.tracker.getOrCreatePromo({ userId: 12323, promoType: 1, appid: null })).toEqual(promo);
    expect(await f.tracker.getOrCreatePromo({ userId: 12323, appid: '' })).toEqual(promo);
    expect(events).toEqual([{ type: 'promo.created', promo }]);
    expect((await f.counts()).promo).toBe(1);
  });

  it('keeps one promo per (userId, promoType, appid), each with its own code', async () => {
    const keys = [
      { userId: 1 },
      { userId: 1, promoType: 2 },
      { userId: 1, appid: 'wx-app-one' },
      { userId: 1, appid: 'wx-app-two' },
      { userId: 1, promoType: 2, appid: 'wx-app-one' },
      { userId: 2 },
    ];
    const promos = [];
    for (const key of keys) promos.push(await f.tracker.getOrCreatePromo(key));
    expect(new Set(promos.map((p) => p.promocode)).size).toBe(keys.length);
    expect(new Set(promos.map((p) => p.id)).size).toBe(keys.length);
    expect(promos.map((p) => [p.userId, p.promoType, p.appid])).toEqual(keys.map((k) => [k.userId, k.promoType ?? 1, k.appid ?? null]));
    for (const [i, key] of keys.entries()) expect(await f.tracker.getOrCreatePromo(key)).toEqual(promos[i]);
    expect((await f.counts()).promo).toBe(keys.length);
  });

  it('stores `page` when the promo is created, and a later call does not change it', async () => {
    const promo = await f.tracker.getOrCreatePromo({ userId: 5, page: 'pages/index/index' });
    expect(promo.page).toBe('pages/index/index');
    expect(await f.tracker.getOrCreatePromo({ userId: 5, page: 'pages/other/other' })).toEqual(promo);
    expect(await f.tracker.getOrCreatePromo({ userId: 5 })).toEqual(promo);
  });

  it('200 concurrent callers for one key, with no appid: exactly one row, the same promo for all, one event', async () => {
    events.length = 0;
    const promos = await Promise.all(Array.from({ length: 200 }, () => f.tracker.getOrCreatePromo({ userId: 77 })));
    expect(new Set(promos.map((p) => JSON.stringify(p))).size).toBe(1);
    expect((await f.counts()).promo).toBe(1);
    expect(events.filter((e) => e.type === 'promo.created')).toHaveLength(1);
  });

  it('concurrent callers for many keys at once: one row per key', async () => {
    const keys = [{ userId: 3 }, { userId: 3, appid: 'wxA' }, { userId: 4, promoType: 9 }];
    const promos = await Promise.all(Array.from({ length: 90 }, (_, i) => f.tracker.getOrCreatePromo(keys[i % 3])));
    for (const [i] of keys.entries()) {
      expect(new Set(promos.filter((_, j) => j % 3 === i).map((p) => p.id)).size).toBe(1);
    }
    expect((await f.counts()).promo).toBe(3);
  });

  it('appids that differ only in case are two keys with two promos, on every database', async () => {
    const upper = await f.tracker.getOrCreatePromo({ userId: 6, appid: 'wxABC' });
    const lower = await f.tracker.getOrCreatePromo({ userId: 6, appid: 'wxabc' });
    expect(lower.promocode).not.toBe(upper.promocode);
    expect([upper.appid, lower.appid]).toEqual(['wxABC', 'wxabc']);
    expect(await f.tracker.getOrCreatePromo({ userId: 6, appid: 'wxABC' })).toEqual(upper);
    expect((await f.counts()).promo).toBe(2);
    expect((await f.tracker.stats({ appid: 'wxabc' })).visits).toBe(0);
  });

  it('takes the largest ids and the longest appid and page', async () => {
    const key = { userId: 2_147_483_647, promoType: 2_147_483_647, appid: 'w'.repeat(32), page: 'p/'.repeat(127) + 'x' };
    const promo = await f.tracker.getOrCreatePromo(key);
    expect(promo).toMatchObject({ userId: key.userId, promoType: key.promoType, appid: key.appid, page: key.page });
    expect(promo.promocode.length).toBeLessThanOrEqual(32);
    expect(await f.tracker.findPromo(promo.promocode)).toEqual(promo);
  });

  const bad: [string, unknown, string][] = [
    ['userId 0', { userId: 0 }, 'userId'],
    ['a negative userId', { userId: -1 }, 'userId'],
    ['a userId past INT32', { userId: 2_147_483_648 }, 'userId'],
    ['a fractional userId', { userId: 1.5 }, 'userId'],
    ['a userId as a string', { userId: '1' }, 'userId'],
    ['no userId', {}, 'userId'],
    ['promoType 0', { userId: 1, promoType: 0 }, 'promoType'],
    ['a promoType past INT32', { userId: 1, promoType: 2 ** 31 }, 'promoType'],
    ['an appid past 32 characters', { userId: 1, appid: 'a'.repeat(33) }, 'appid'],
    ['an appid that is not a string', { userId: 1, appid: 42 }, 'appid'],
    ['an appid with a trailing space (MySQL would merge it with the one without)', { userId: 1, appid: 'wx1 ' }, 'appid'],
    ['an appid with a leading space', { userId: 1, appid: ' wx1' }, 'appid'],
    ['a page past 255 characters', { userId: 1, page: 'p'.repeat(256) }, 'page'],
  ];
  it(`refuses ${bad.length} kinds of bad input (wrong types, ids ≤ 0 or past INT32, strings past the column length) with a ValidationError naming the field, and writes nothing`, async () => {
    for (const [name, input, path] of bad) {
      const error = await rejection(f.tracker.getOrCreatePromo(input as never), ValidationError);
      expect(error, name).toMatchObject({ code: 'validation_failed', status: 400 });
      expect(
        error.issues.map((i) => i.path),
        name,
      ).toEqual([path]);
    }
    await rejection(f.tracker.getOrCreatePromo(undefined as never), ValidationError);
    expect((await f.counts()).promo).toBe(0);
  });

  it('findPromo answers the promo for its code', async () => {
    const promo = await f.tracker.getOrCreatePromo({ userId: 9, appid: 'wxapp', page: 'pages/a' });
    expect(await f.tracker.findPromo(promo.promocode)).toEqual(promo);
  });

  it('answers a known promo from memory as a copy, and forgets it with its user', async () => {
    const first = await f.tracker.getOrCreatePromo({ userId: 21, appid: 'wxmem' });
    const hit = await f.tracker.getOrCreatePromo({ userId: 21, appid: 'wxmem' });
    expect(hit).toEqual(first);
    hit.promocode = 'changed';
    hit.createdAt.setTime(0);
    expect(await f.tracker.getOrCreatePromo({ userId: 21, appid: 'wxmem' })).toEqual(first);

    await f.tracker.forgetUser(21);
    const again = await f.tracker.getOrCreatePromo({ userId: 21, appid: 'wxmem' });
    expect(again.id).not.toBe(first.id);
    expect(await f.tracker.findPromo(again.promocode)).toEqual(again);
  });

  it('findPromo answers from the same memory as getOrCreatePromo (a row deleted behind its back is still answered), and forgetUser drops it', async () => {
    const promo = await f.tracker.getOrCreatePromo({ userId: 31 });
    const found = await f.tracker.findPromo(promo.promocode);
    expect(found).toEqual(promo);
    // The host's own SQL is not a way to delete promos (the README says so): it shows where answers come from.
    await f.db.deleteFrom(`${f.prefix}promo`).where('user_id', '=', 31).execute();
    expect(await f.tracker.findPromo(promo.promocode)).toEqual(promo);
    expect(await f.make().findPromo(promo.promocode)).toBeNull();
    // A code first seen by findPromo is kept too, and answered to getOrCreatePromo's key.
    const other = await f.make().getOrCreatePromo({ userId: 32 });
    const reader = f.make();
    expect(await reader.findPromo(other.promocode)).toEqual(other);
    await f.db.deleteFrom(`${f.prefix}promo`).where('user_id', '=', 32).execute();
    expect(await reader.findPromo(other.promocode)).toEqual(other);
    expect(await reader.getOrCreatePromo({ userId: 32 })).toEqual(other);
    await reader.forgetUser(32);
    expect(await reader.findPromo(other.promocode)).toBeNull();
  });

  it('findPromo answers null for a code that differs only in case, and for a well-formed code no promo has', async () => {
    const promo = await f.tracker.getOrCreatePromo({ userId: 10 });
    const swapped = [...promo.promocode].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
    expect(await f.tracker.findPromo(swapped)).toBeNull();
    // The code another user would get, before that user's promo exists.
    const other = await f.tracker.getOrCreatePromo({ userId: 11 });
    await f.db.deleteFrom(`${f.prefix}promo`).where('id', '=', other.id).execute();
    // A tracker that never answered it (this one keeps what it answered: see above).
    expect(await f.make().findPromo(other.promocode)).toBeNull();
  });

  const malformed: [string, unknown][] = [
    ['empty', ''],
    ['too short', 'abc'],
    ['too long', 'a'.repeat(33)],
    ['with symbols', 'abc-defg!'],
    ['with spaces', 'abcd efgh'],
    ['SQL', "' or 1=1 --"],
    ['not a string', 12345678],
    ['null', null],
  ];
  it('findPromo answers null for a malformed code (empty, short, long, symbols, spaces, SQL, not a string)', async () => {
    await f.tracker.getOrCreatePromo({ userId: 1 });
    for (const [name, code] of malformed) expect(await f.tracker.findPromo(code as never), name).toBeNull();
  });
});
