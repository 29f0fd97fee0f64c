import type { Decision, Referral } from '../../model/types.js';
import type { StoreContext } from '../context.js';
import { type DecisionRow, type ReferralRow, toDecision, toReferral } from '../rows.js';

export async function selectReferral(ctx: StoreContext, userId: number): Promise<Referral | null> {
  const row = await ctx.db.selectFrom(ctx.tables.referral).selectAll().where('user_id', '=', userId).executeTakeFirst();
  return row ? toReferral(row as ReferralRow) : null;
}

/** Where a page of referrals ends: the (bound_at, track_id) of its last item. */
export interface ReferralCursor {
  boundAt: number;
  trackId: number;
}

/** Newest first, ties by track id. */
export async function selectReferrals(
  ctx: StoreContext,
  referrerId: number,
  limit: number,
  after: ReferralCursor | null,
): Promise<{ items: Referral[]; next: ReferralCursor | null }> {
  const rows = (await ctx.db
    .selectFrom(ctx.tables.referral)
    .selectAll()
    .where('referrer', '=', referrerId)
    .$if(after !== null, (q) =>
      q.where((eb) =>
        eb.or([eb('bound_at', '<', after!.boundAt), eb.and([eb('bound_at', '=', after!.boundAt), eb('track_id', '<', after!.trackId)])]),
      ),
    )
    .orderBy('bound_at', 'desc')
    .orderBy('track_id', 'desc')
    .limit(limit + 1)
    .execute()) as ReferralRow[];
  const items = rows.slice(0, limit).map(toReferral);
  const last = items[items.length - 1];
  return {
    items,
    next: rows.length > limit && last ? { boundAt: last.boundAt.getTime(), trackId: last.trackId } : null,
  };
}

/**
 * Oldest first. A live track carries its own decision; `decision` holds those of purged tracks.
 * A track whose candidate was forgotten (`referrer` cleared) no longer names anyone: not listed.
 */
export async function selectDecisions(ctx: StoreContext, userId: number): Promise<Decision[]> {
  const { tables } = ctx;
  const rows = await ctx.db
    .selectFrom(tables.decision)
    .select(['track_id', 'promocode', 'candidate', 'outcome', 'scene', 'at'])
    .where('user_id', '=', userId)
    .unionAll(
      ctx.db
        .selectFrom(tables.track)
        .select(['id as track_id', 'promocode', 'referrer as candidate', 'outcome', 'scene', 'created_at as at'])
        .where('user_id', '=', userId)
        .where('outcome', 'is not', null)
        .where('referrer', 'is not', null),
    )
    .orderBy('track_id')
    .execute();
  return (rows as DecisionRow[]).map(toDecision);
}
