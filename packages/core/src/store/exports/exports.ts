import type { Referral, Track } from '../../model/types.js';
import type { StoreContext } from '../context.js';
import { type ReferralRow, toReferral, toTrack, type TrackRow } from '../rows.js';
import { withStorageErrors } from '../errors.js';

/** Rows per page: one short indexed read each, so memory stays flat however many rows there are. */
export const EXPORT_PAGE = 1000;

interface Range {
  from?: Date;
  to?: Date;
}

/**
 * Every row of `table` in range, oldest first (ties by `key`), read a page at a time by keyset:
 * each page starts at the last row's (time, key), through the table's time index, so no read
 * holds a lock or a snapshot for long and page N costs what page 1 does.
 */
export async function* pages<Row extends Record<string, unknown>>(
  ctx: StoreContext,
  table: string,
  time: string,
  key: string,
  range: Range,
): AsyncGenerator<Row[]> {
  let after: { time: number; key: number } | null = null;
  for (;;) {
    const cursor = after;
    const rows = (await withStorageErrors(() =>
      ctx.readDb
        .selectFrom(table)
        .selectAll()
        .where((eb) =>
          eb.and([
            ...(range.from ? [eb(time, '>=', range.from.getTime())] : []),
            ...(range.to ? [eb(time, '<', range.to.getTime())] : []),
            // `time >= t` leads the index range; the OR only settles the ties at its start.
            ...(cursor ? [eb(time, '>=', cursor.time), eb.or([eb(time, '>', cursor.time), eb(key, '>', cursor.key)])] : []),
          ]),
        )
        .orderBy(time)
        .orderBy(key)
        .limit(EXPORT_PAGE)
        .execute(),
    )) as Row[];
    if (rows.length > 0) yield rows;
    if (rows.length < EXPORT_PAGE) return;
    const last = rows[rows.length - 1]!;
    after = { time: Number(last[time]), key: Number(last[key]) };
  }
}

export async function* exportTrackRows(ctx: StoreContext, range: Range): AsyncGenerator<Track> {
  for await (const rows of pages<TrackRow & Record<string, unknown>>(ctx, ctx.tables.track, 'created_at', 'id', range)) {
    for (const row of rows) yield toTrack(row);
  }
}

export async function* exportReferralRows(ctx: StoreContext, range: Range): AsyncGenerator<Referral> {
  for await (const rows of pages<ReferralRow & Record<string, unknown>>(ctx, ctx.tables.referral, 'bound_at', 'user_id', range)) {
    for (const row of rows) yield toReferral(row);
  }
}
