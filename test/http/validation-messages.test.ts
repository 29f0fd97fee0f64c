import { expect, it } from 'vitest';
import { describeHosts } from './support/matrix.js';

/** A refused input says what was expected, field by field, in the wire's names (validation never reaches the database). */
describeHosts('validation messages', { sqliteOnly: true }, (ctx) => {
  const refused = async (method: string, path: string, json?: unknown) => {
    const res = await ctx.api(method, path, { json });
    expect(res.status, `${method} ${path}`).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    return res.body.error as { message: string; issues: { path: string; message: string }[] };
  };

  it('POST /tracks names what each field expects', async () => {
    const error = await refused('POST', '/tracks', { user_id: 1, promocode: 'abcdefgh', scene: 1047, track_type: 3 });
    expect(error).toEqual({
      code: 'validation_failed',
      message: 'track_type: expected 1 or 2',
      issues: [{ path: 'track_type', message: 'expected 1 or 2' }],
    });

    const several = await refused('POST', '/tracks', { user_id: '7', promocode: '', scene: 'launch', detail: 'x'.repeat(129) });
    expect(several.issues).toEqual([
      { path: 'user_id', message: 'expected a whole number from 1 to 2147483647' },
      { path: 'promocode', message: 'expected a promocode, e.g. "bldhNh2b"' },
      { path: 'scene', message: 'expected a WeChat scene value: a number or a numeric string, e.g. 1047' },
      { path: 'detail', message: 'expected at most 128 characters' },
    ]);
    expect(several.message).toBe(several.issues.map((i) => `${i.path}: ${i.message}`).join('; '));

    expect((await refused('POST', '/tracks', {})).issues).toEqual([
      { path: 'user_id', message: 'is required' },
      { path: 'promocode', message: 'is required' },
      { path: 'scene', message: 'is required' },
    ]);
    // Past the signed 32-bit range of the seed's INT columns.
    expect((await refused('POST', '/tracks', { user_id: 2 ** 31, promocode: 'abcdefgh', scene: 1047 })).message).toBe(
      'user_id: expected a whole number from 1 to 2147483647',
    );
  });

  it('batches name the event and the field', async () => {
    const error = await refused('POST', '/tracks/batch', {
      events: [
        { user_id: 1, promocode: 'abcdefgh', scene: 1047 },
        { user_id: 1, promocode: 'abcdefgh', scene: 1047, track_type: '2' },
      ],
    });
    expect(error.issues).toEqual([{ path: 'events.1.track_type', message: 'expected 1 or 2' }]);
  });

  it('POST /shares, path parameters and query values say what they expect', async () => {
    expect((await refused('POST', '/shares', { share_type: 5 })).message).toBe('share_type: expected 0, 1 or 2');
    expect((await refused('GET', '/tracks/abc/0')).issues).toEqual([
      { path: 'user_id', message: 'expected a whole number from 1 to 2147483647' },
      { path: 'promo_type', message: 'expected a whole number from 1 to 2147483647' },
    ]);
    expect((await refused('GET', '/users/1/referrals?limit=501')).message).toBe('limit: expected a whole number from 1 to 500');
    expect((await refused('GET', '/leaderboard?from=yesterday')).message).toBe(
      "from: expected an ISO 8601 time, e.g. 2026-01-31T08:00:00.000Z, or a date, e.g. 2026-01-31 (midnight in the tracker's timeZone)",
    );
  });
});
