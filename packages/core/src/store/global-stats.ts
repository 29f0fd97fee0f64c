import type { StatsQuery } from '../model/types.js';
import type { StoreContext } from './context.js';
import { CLOSED_MARGIN, earliestRow, readRollups } from './rollups.js';
import { addDay, emptyTally, type Range, shape, type StatsRows, tallyRows } from './stats.js';

/**
 * Global stats (no promocode, user or appid): the closed days that lie wholly in the range come
 * from their rollups, the rest of the range (today, and a range's partial first day) from the raw
 * rows. Unique visitors then merge the days' sketches with the live rows' users: exact while every
 * sketch is a sparse list of ids, else an estimate (`uniqueVisitorsEstimated`).
 */
export async function selectGlobalStats(ctx: StoreContext, q: StatsQuery): Promise<StatsRows> {
  const { zone } = ctx;
  const now = Date.now();
  // Days before the earliest row are empty: no rollup is built for them.
  const earliest = await earliestRow(ctx);
  const from = earliest === null ? null : Math.max(q.from?.getTime() ?? earliest, earliest);
  const closedUntil = Math.min(q.to?.getTime() ?? Infinity, now - CLOSED_MARGIN);
  let first = from === null ? 0 : zone.dayOf(from);
  // A range's partial first day is read live; without `from`, the earliest row's day is whole.
  if (q.from && zone.startOf(first) < q.from.getTime()) first++;
  let last = zone.dayOf(closedUntil);
  if (zone.startOf(last + 1) > closedUntil) last--;

  const tally = emptyTally();
  if (from === null || first > last) {
    const { uniques } = await tallyRows(ctx, q, [q], tally, { referrals: true, uniques: 'count' });
    return shape(tally, uniques as number, false);
  }

  const closedFrom = new Date(zone.startOf(first));
  const closedTo = new Date(zone.startOf(last + 1));
  const live: Range[] = [];
  if (q.from && q.from < closedFrom) live.push({ from: q.from, to: closedFrom });
  if (!q.to || q.to > closedTo) live.push({ from: closedTo, to: q.to });
  // Bindings move under last-touch (a rebinding changes an older binding's day): counted live.
  const rolledReferrals = ctx.rules.model === 'first-touch';

  const rolled = await readRollups(ctx, first, last);
  const { uniques } = live.length
    ? await tallyRows(ctx, q, live, tally, { referrals: rolledReferrals, uniques: 'ids' })
    : { uniques: [] as number[] };
  if (!rolledReferrals) {
    const referrals = emptyTally();
    await tallyRows(ctx, q, [q], referrals, { visits: false, referrals: true, uniques: 'none' });
    tally.referrals = referrals.referrals;
  } else {
    tally.referrals += rolled.referrals;
  }

  tally.visits += rolled.visits;
  tally.newUserVisits += rolled.newUserVisits;
  tally.shares += rolled.shares;
  for (const [day, counts] of rolled.byDay) addDay(tally, day, counts);
  for (const [scene, n] of rolled.byScene) tally.byScene.set(scene, (tally.byScene.get(scene) ?? 0) + n);
  for (const [type, n] of rolled.byShareType) tally.byShareType.set(type, (tally.byShareType.get(type) ?? 0) + n);
  for (const id of uniques as number[]) rolled.users.add(id);
  return shape(tally, rolled.users.count(), rolled.users.estimated);
}

/** Global stats from rollups and today's rows; one code, one user or one appid read live, every count exact. */
export async function selectStats(ctx: StoreContext, q: StatsQuery): Promise<StatsRows> {
  if (q.userId === undefined && q.promocode === undefined && q.appid === undefined) return selectGlobalStats(ctx, q);
  const tally = emptyTally();
  const { uniques } = await tallyRows(ctx, q, [q], tally, { referrals: true, uniques: 'count' });
  return shape(tally, uniques as number, false);
}

