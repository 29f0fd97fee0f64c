import { type Kysely, sql } from 'kysely';
import type { AbuseFlag, FlaggedReferee, FlagMatch, FlagStatus } from '../../model/abuse.js';
import type { StoreContext } from '../context.js';
import { num } from '../rows.js';

export interface ReviewRow {
  id: number | string;
  referee: number;
  referrer: number;
  track_id: number | string;
  flags: string;
  matches: string;
  status: string;
  at: number | string;
  resolved_at: number | string | null;
  note: string | null;
}

export const toFlagged = (r: ReviewRow): FlaggedReferee => ({
  refereeId: num(r.referee),
  referrerId: num(r.referrer),
  flags: r.flags.split(',') as AbuseFlag[],
  matches: JSON.parse(r.matches) as FlagMatch[],
  status: r.status as FlagStatus,
  at: new Date(num(r.at)),
  trackId: num(r.track_id),
  resolvedAt: r.resolved_at === null ? null : new Date(num(r.resolved_at)),
  note: r.note,
});

/** The referee's review row, locked for writing (`null`: never flagged). */
export async function lockReview(ctx: StoreContext, trx: Kysely<any>, refereeId: number): Promise<ReviewRow | null> {
  const row = await trx
    .selectFrom(ctx.tables.flagReview)
    .selectAll()
    .where('referee', '=', refereeId)
    .modifyEnd(sql.raw(ctx.dialect.updateLock))
    .executeTakeFirst();
  return (row as ReviewRow | undefined) ?? null;
}

/**
 * A flagged binding: its flags on its visit (what `explainReferral` shows), and the referee's item in
 * the review queue, opened (or reopened after a release) with the latest flags; a voided referee stays voided.
 */
export async function writeFlag(
  ctx: StoreContext,
  trx: Kysely<any>,
  b: { refereeId: number; referrerId: number; trackId: number; at: number },
  matches: FlagMatch[],
): Promise<FlaggedReferee> {
  const { tables } = ctx;
  const flags = matches.map((m) => m.flag).join(',');
  const text = JSON.stringify(matches);
  await trx
    .insertInto(tables.flag)
    .values({ track_id: b.trackId, referee: b.refereeId, referrer: b.referrerId, flags, matches: text, at: b.at })
    .execute();
  const current = await lockReview(ctx, trx, b.refereeId);
  const status: FlagStatus = current?.status === 'voided' ? 'voided' : 'open';
  const values = {
    referrer: b.referrerId,
    track_id: b.trackId,
    flags,
    matches: text,
    status,
    at: b.at,
    resolved_at: status === 'open' ? null : current!.resolved_at,
  };
  if (current) await trx.updateTable(tables.flagReview).set(values).where('referee', '=', b.refereeId).execute();
  else
    await trx
      .insertInto(tables.flagReview)
      .values({ referee: b.refereeId, note: null, ...values })
      .execute();
  return toFlagged({ id: current?.id ?? 0, referee: b.refereeId, note: current?.note ?? null, ...values });
}

/** The flags of the user's flagged bindings, by their visit's track id (for `explainReferral`'s decisions). */
export async function flagsByTrack(ctx: StoreContext, userId: number): Promise<Map<number, AbuseFlag[]>> {
  const rows = await ctx.db.selectFrom(ctx.tables.flag).select(['track_id', 'flags']).where('referee', '=', userId).execute();
  return new Map(rows.map((r) => [num(r.track_id), String(r.flags).split(',') as AbuseFlag[]]));
}
