import { sceneLabel } from '@promo-track/core';
import { expect, it } from 'vitest';
import { describeHosts, newUserId } from './support/matrix.js';

const BOM = '\uFEFF';

/** RFC 4180 records: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((field += '"'), i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') (row.push(field), (field = ''));
    else if (c === '\r' && text[i + 1] === '\n') (row.push(field), rows.push(row), (row = []), (field = ''), i++);
    else field += c;
  }
  expect(field, 'the last record ends with CRLF').toBe('');
  return rows;
}

/** GET as the bytes came (fetch's `text()` drops a BOM). */
async function download(base: string, path: string) {
  const res = await fetch(base + path);
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, text };
}

/** `YYYY-MM-DD` of `at` in Beijing. */
const beijingDay = (at: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(at);
/** `at` on Beijing's wall clock with its offset (+08:00 all year): `2026-12-01T08:03:43.440+08:00`. */
const beijingTime = (at: Date) => `${new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 23)}+08:00`;

describeHosts('CSV exports', { mountedOnly: true, tracker: { timeZone: 'Asia/Shanghai' } }, (ctx) => {
  it('GET /export/tracks.csv: BOM, wire names, RFC 4180 quoting, days in timeZone, oldest first', async () => {
    const owner = newUserId();
    const promocode = (await ctx.api('GET', `/tracks/${owner}/1`)).body.promocode as string;
    const [a, b] = [newUserId(), newUserId()];
    // 16:30 UTC is 00:30 the next day in Beijing.
    const at = new Date(Date.now() - 2 * 86_400_000);
    at.setUTCHours(16, 30, 0, 0);
    const from = new Date(at.getTime() - 1);
    const events = [
      { user_id: a, promocode, scene: 1047, detail: 'a, "quoted"\nline', occurred_at: at.toISOString() },
      { user_id: b, promocode, scene: 1048, detail: '=HYPERLINK("x")', occurred_at: new Date(at.getTime() + 1000).toISOString() },
    ];
    const posted = await ctx.api('POST', '/tracks/batch', { json: { events } });
    expect(posted.status).toBe(201);

    const res = await download(ctx.host.base, `/export/tracks.csv?from=${from.toISOString()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.text.startsWith(BOM)).toBe(true);
    const [header, ...rows] = parseCsv(res.text.slice(1));
    expect(header).toEqual([
      'id',
      'track_type',
      'scene',
      'scene_label',
      'detail',
      'user_id',
      'promocode',
      'referrer',
      'outcome',
      'created_at',
      'created_at_local',
      'day',
    ]);
    const mine = rows.filter((r) => r[5] === String(a) || r[5] === String(b));
    const later = new Date(events[1]!.occurred_at);
    expect(mine).toEqual([
      [
        String(posted.body.items[0].id),
        '1',
        '1047',
        sceneLabel('1047'),
        'a, "quoted"\nline',
        String(a),
        promocode,
        String(owner),
        'bound',
        at.toISOString(),
        beijingTime(at),
        beijingDay(at),
      ],
      [
        String(posted.body.items[1].id),
        '1',
        '1048',
        sceneLabel('1048'),
        `'=HYPERLINK("x")`,
        String(b),
        promocode,
        String(owner),
        'bound',
        events[1]!.occurred_at,
        beijingTime(later),
        beijingDay(at),
      ],
    ]);
    expect(beijingTime(at)).toMatch(/^\d{4}-\d{2}-\d{2}T00:30:00\.000\+08:00$/); // 16:30 UTC is half past midnight in Beijing
    expect(beijingDay(at)).not.toBe(at.toISOString().slice(0, 10));
    // Oldest first over every row in range.
    const times = rows.map((r) => Date.parse(r[9]!));
    // The local twin is the same instant.
    expect(rows.map((r) => Date.parse(r[10]!))).toEqual(times);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(times.every((t) => t >= from.getTime())).toBe(true);
  });

  it('GET /export/referrals.csv: one row per binding in range, bound_at in ISO and its Beijing day', async () => {
    const owner = newUserId();
    const promocode = (await ctx.api('GET', `/tracks/${owner}/1`)).body.promocode as string;
    const user = newUserId();
    const from = new Date();
    const track = (await ctx.api('POST', '/tracks', { json: { user_id: user, promocode, scene: 1047 } })).body;
    const res = await download(
      ctx.host.base,
      `/export/referrals.csv?from=${from.toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    expect(res.status).toBe(200);
    expect(res.text.startsWith(BOM)).toBe(true);
    const [header, ...rows] = parseCsv(res.text.slice(1));
    expect(header).toEqual(['user_id', 'referrer', 'promocode', 'scene', 'track_id', 'bound_at', 'bound_at_local', 'day']);
    const boundAt = new Date(track.created_at);
    expect(rows.filter((r) => r[0] === String(user))).toEqual([
      [String(user), String(owner), promocode, '1047', String(track.id), track.created_at, beijingTime(boundAt), beijingDay(boundAt)],
    ]);
  });

  it('GET /export/conversions.csv: one row per conversion in range, amounts in minor units, the referrer credited, the Beijing day', async () => {
    const owner = newUserId();
    const promocode = (await ctx.api('GET', `/tracks/${owner}/1`)).body.promocode as string;
    const user = newUserId();
    await ctx.api('POST', '/tracks', { json: { user_id: user, promocode, scene: 1047 } });
    const from = new Date(Date.now() - 1000);
    const c = (
      await ctx.api('POST', '/conversions', {
        json: { user_id: user, type: 'first_order', order_id: `csv-${user}`, amount: 1990, detail: '首单, "优惠"' },
      })
    ).body;
    await ctx.api('POST', `/conversions/${c.id}/refunds`, { json: { refund_id: 'r1', amount: 990 } });
    const res = await download(ctx.host.base, `/export/conversions.csv?from=${from.toISOString()}`);
    expect(res.status).toBe(200);
    expect(res.text.startsWith(BOM)).toBe(true);
    const [header, ...rows] = parseCsv(res.text.slice(1));
    expect(header).toEqual([
      'id',
      'user_id',
      'type',
      'order_id',
      'amount',
      'refunded_amount',
      'currency',
      'referrer',
      'detail',
      'created_at',
      'created_at_local',
      'day',
    ]);
    expect(rows.filter((r) => r[1] === String(user))).toEqual([
      [
        String(c.id),
        String(user),
        'first_order',
        `csv-${user}`,
        '1990',
        '990',
        'CNY',
        String(owner),
        '首单, "优惠"',
        c.created_at,
        beijingTime(new Date(c.created_at)),
        beijingDay(new Date(c.created_at)),
      ],
    ]);
  });

  it('an empty range is the header alone; a bad date is 400 validation_failed', async () => {
    const empty = await download(ctx.host.base, '/export/tracks.csv?to=2000-01-01T00:00:00.000Z');
    expect(empty).toMatchObject({
      status: 200,
      text: `${BOM}id,track_type,scene,scene_label,detail,user_id,promocode,referrer,outcome,created_at,created_at_local,day\r\n`,
    });
    const bad = await ctx.api('GET', '/export/referrals.csv?from=yesterday');
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'validation_failed', issues: [{ path: 'from' }] } } });
  });
});
