import { type RawBuilder, sql } from 'kysely';
import { DAY_MS, type Zone } from '../../days/time-zone.js';
import type { StoreContext } from '../context.js';

/** Before this, no row is expected; a row older still falls into the earliest offset's days. */
const FLOOR = Date.UTC(2000, 0, 1);
/** Rows may lie up to 5 minutes ahead; a day's margin, whatever `to` is. */
const AHEAD = DAY_MS;

/**
 * The local day number of `column` (BIGINT ms) in the tracker's zone, as SQL: the column plus the
 * zone's offset, integer-divided by a day. The offset comes from a CASE over the zone's transitions
 * within the range, newest first (most rows are recent, so most rows stop at the first branch).
 */
export function localDay(ctx: StoreContext, column: string, range: { from?: Date; to?: Date }): RawBuilder<number> {
  const from = range.from?.getTime() ?? FLOOR;
  const to = Math.max(range.to?.getTime() ?? 0, Date.now() + AHEAD);
  return sql<number>`(${sql.ref(column)} + ${offsetCase(ctx.zone, column, Math.min(from, to), to)})${sql.raw(ctx.dialect.intDiv)}${sql.lit(DAY_MS)}`;
}

function offsetCase(zone: Zone, column: string, from: number, to: number): RawBuilder<number> {
  const segments = zone.segments(from, to);
  if (segments.length === 1) return sql.lit(segments[0]!.offset);
  const branches = segments
    .slice(1)
    .reverse()
    .map((s) => sql`when ${sql.ref(column)} >= ${sql.lit(s.start)} then ${sql.lit(s.offset)}`);
  return sql`case ${sql.join(branches, sql` `)} else ${sql.lit(segments[0]!.offset)} end`;
}
