import { expect, it } from 'vitest';
import { describeHosts, newUserId } from './support/matrix.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** `YYYY-MM-DD` of `at` in Beijing. */
const beijingDay = (at: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(at);
/** The instant at which the Beijing day `day` starts (Beijing keeps +08:00 all year). */
const beijingMidnight = (day: string) => Date.parse(`${day}T00:00:00+08:00`);

/** The CSV's rows as field lists (these rows hold no quoted fields), header first. */
async function csvRows(base: string, path: string): Promise<string[][]> {
  const res = await fetch(base + path);
  expect(res.status, path).toBe(200);
  return (await res.text())
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .filter(Boolean)
    .map((line) => line.split(','));
}

/**
 * `from` / `to` in a query: a bare date is midnight of that day in the tracker's `timeZone`, in the
 * stats, the leaderboard and the CSV URLs alike; `from` after `to` is validation_failed.
 */
describeHosts('bare dates in from / to', { mountedOnly: true, tracker: { timeZone: 'Asia/Shanghai' } }, (ctx) => {
  it('a bare date is midnight in the tracker’s timeZone: one Beijing day in /stats, /leaderboard and both CSV exports', async () => {
    const owner = newUserId();
    const promocode = (await ctx.api('GET', `/tracks/${owner}/1`)).body.promocode as string;
    // Three new users around the start and end of the Beijing day `day`, three days ago.
    const day = beijingDay(Date.now() - 3 * DAY);
    const start = beijingMidnight(day);
    const next = beijingDay(start + DAY + HOUR);
    const visits = [start - 30 * 60_000, start + 30 * 60_000, start + DAY - 60_000, start + DAY + 10 * 60_000];
    const users = visits.map(() => newUserId());
    const events = visits.map((at, i) => ({ user_id: users[i], promocode, scene: 1047, occurred_at: new Date(at).toISOString() }));
    expect((await ctx.api('POST', '/tracks/batch', { json: { events } })).status).toBe(201);
    const inDay = users.slice(1, 3);

    const stats = await ctx.api('GET', `/stats?promocode=${promocode}&from=${day}&to=${next}`);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({
      visits: 2,
      new_user_visits: 2,
      referrals: 2,
      by_day: [{ day, visits: 2, new_user_visits: 2, shares: 0 }],
    });
    // The same as the instants written out.
    const instants = `from=${new Date(start).toISOString()}&to=${new Date(start + DAY).toISOString()}`;
    expect((await ctx.api('GET', `/stats?promocode=${promocode}&${instants}`)).body).toEqual(stats.body);

    const board = await ctx.api('GET', `/leaderboard?from=${day}&to=${next}&limit=500`);
    expect(board.body.items.find((e: { referrer: number }) => e.referrer === owner)).toMatchObject({
      referrer: owner,
      referrals: 2,
      visits: 2,
    });

    const tracks = await csvRows(ctx.host.base, `/export/tracks.csv?from=${day}&to=${next}`);
    const userColumn = tracks[0]!.indexOf('user_id');
    expect(
      tracks
        .slice(1)
        .map((r) => Number(r[userColumn]))
        .filter((u) => users.includes(u)),
    ).toEqual(inDay);
    const referrals = await csvRows(ctx.host.base, `/export/referrals.csv?from=${day}&to=${next}`);
    expect(
      referrals
        .slice(1)
        .map((r) => Number(r[0]))
        .filter((u) => users.includes(u)),
    ).toEqual(inDay);
  });

  it('`from` after `to` is 400 validation_failed naming `from`, on every ranged route', async () => {
    const owner = newUserId();
    for (const path of [
      `/stats?user_id=${owner}&from=2026-12-02&to=2026-12-01`,
      '/stats?from=2026-12-02T00:00:00.000Z&to=2026-12-01',
      // Beijing's 2026-12-02 starts at 2026-12-01T16:00:00.000Z.
      '/leaderboard?from=2026-12-02&to=2026-12-01T15:59:59.999Z',
      '/export/tracks.csv?from=2026-12-02&to=2026-12-01',
      '/export/referrals.csv?from=2026-12-02&to=2026-12-01',
    ]) {
      const res = await ctx.api('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.error, path).toEqual({
        code: 'validation_failed',
        message: 'from: must not be after `to`',
        issues: [{ path: 'from', message: 'must not be after `to`' }],
      });
    }
    // The same day at both ends is an empty range, not a mistake; so is an instant equal to the day's start.
    expect((await ctx.api('GET', `/stats?user_id=${owner}&from=2026-12-01&to=2026-12-01`)).body.visits).toBe(0);
    expect((await ctx.api('GET', '/leaderboard?from=2026-12-02&to=2026-12-01T16:00:00.000Z')).body).toEqual({ items: [] });
  });

  it('a date that is neither says which forms it takes', async () => {
    const res = await ctx.api('GET', '/stats?from=12/01/2026');
    expect(res.body.error.issues).toEqual([
      {
        path: 'from',
        message:
          "expected an ISO 8601 time, e.g. 2026-01-31T08:00:00.000Z, or a date, e.g. 2026-01-31 (midnight in the tracker's timeZone)",
      },
    ]);
  });
});
