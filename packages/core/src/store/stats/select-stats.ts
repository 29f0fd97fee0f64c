import type { StatsQuery } from '../../model/types.js';
import type { StoreContext } from '../context.js';
import { mergeConversions } from '../conversions/index.js';
import { DistinctUsers } from './hll.js';
import { daySpan, hourSpan, planRange, spanRanges } from './range-plan.js';
import { dayGrain, hourGrain } from './rollup-grains.js';
import { earliestRow, readRollups, type RolledUp } from './rollups.js';
import { addDay, emptyTally, shape, type StatsRows, type Tally, tallyRows } from './tally.js';

/**
 * Global stats (no promocode, user or appid): the closed days that lie wholly in the range come
 * from their daily rollups; within the rest (today, a range's partial first or last day) the closed
 * hours that lie wholly in it, and in one local day, from hourly rollups; what is left (the current
 * hour, a range's uneven edges, the hour across midnight in a :30 or :45 zone) from the raw rows.
 * Unique visitors then merge the sketches with the live rows' users: exact while every sketch is a
 * sparse list of ids, else an estimate (`uniqueVisitorsEstimated`).
 */
export async function selectGlobalStats(ctx: StoreContext, q: StatsQuery): Promise<StatsRows> {
  const now = Date.now();
  const earliest = await earliestRow(ctx);
  const tally = emptyTally();
  if (earliest === null) {
    const { uniques } = await tallyRows(ctx, q, [q], tally, { referrals: true, uniques: 'count' });
    return shape(tally, uniques as number, false);
  }

  const { days, hours, live } = planRange(ctx, q, earliest, now);

  // Bindings move under last-touch (a rebinding changes an older binding's day): counted live.
  const rolledReferrals = ctx.rules.model === 'first-touch';
  const want = { referrals: rolledReferrals, uniques: 'ids' as const };
  const [byDay, byHour, fromRows] = await Promise.all([
    readRollups(ctx, dayGrain(ctx), days),
    readRollups(ctx, hourGrain(ctx), hours),
    live.length ? tallyRows(ctx, q, spanRanges(live), tally, want) : { uniques: [] as number[] },
  ]);
  // Buckets voided while they were read (rare): their rows, live.
  const missing = [...byDay.missing.map((day) => daySpan(ctx, day)), ...byHour.missing.map(hourSpan)];
  const late = missing.length ? await tallyRows(ctx, q, spanRanges(missing), tally, want) : { uniques: [] as number[] };

  if (!rolledReferrals) {
    const referrals = emptyTally();
    await tallyRows(ctx, q, [q], referrals, { visits: false, referrals: true, uniques: 'none' });
    tally.referrals = referrals.referrals;
  }
  for (const rolled of [byDay.rolled, byHour.rolled]) addRolled(tally, rolled, rolledReferrals);
  const users = new DistinctUsers();
  users.addSketches([...byDay.rolled.users, ...byHour.rolled.users]);
  for (const id of [...(fromRows.uniques as number[]), ...(late.uniques as number[])]) users.add(id);
  if (users.estimated && days.length === 0) {
    // Past 200,000 users within a day or two: a range without closed days still counts them exactly.
    const { uniques } = await tallyRows(ctx, q, [q], emptyTally(), { visits: false, referrals: false, uniques: 'count' });
    return shape(tally, uniques as number, false);
  }
  return shape(tally, users.count(), users.estimated);
}

function addRolled(tally: Tally, rolled: RolledUp, referrals: boolean): void {
  tally.visits += rolled.visits;
  tally.newUserVisits += rolled.newUserVisits;
  tally.shares += rolled.shares;
  if (referrals) tally.referrals += rolled.referrals;
  for (const [day, counts] of rolled.byDay) addDay(tally, day, counts);
  for (const [scene, n] of rolled.byScene) tally.byScene.set(scene, (tally.byScene.get(scene) ?? 0) + n);
  for (const [type, n] of rolled.byShareType) tally.byShareType.set(type, (tally.byShareType.get(type) ?? 0) + n);
  mergeConversions(tally.conversions, rolled.conversions);
}

/** Global stats from rollups and the last hour's rows; one code, one user or one appid read live, every count exact. */
export async function selectStats(ctx: StoreContext, q: StatsQuery): Promise<StatsRows> {
  if (q.userId === undefined && q.promocode === undefined && q.appid === undefined) return selectGlobalStats(ctx, q);
  const tally = emptyTally();
  const { uniques } = await tallyRows(ctx, q, [q], tally, { referrals: true, uniques: 'count' });
  return shape(tally, uniques as number, false);
}
