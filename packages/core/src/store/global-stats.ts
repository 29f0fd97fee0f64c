import type { StatsQuery } from '../model/types.js';
import type { StoreContext } from './context.js';
import { DistinctUsers } from './hll.js';
import { dayGrain, HOUR_MS, hourGrain, hourInOneDay } from './rollup-grains.js';
import { CLOSED_MARGIN, earliestRow, readRollups, type RolledUp } from './rollups.js';
import { addDay, emptyTally, type Range, shape, type StatsRows, type Tally, tallyRows } from './stats.js';

/** A stretch of time `[start, end)` in ms; `end` may be `Infinity` (a range without `to`). */
interface Span {
  start: number;
  end: number;
}

/**
 * Global stats (no promocode, user or appid): the closed days that lie wholly in the range come
 * from their daily rollups; within the rest (today, a range's partial first or last day) the closed
 * hours that lie wholly in it, and in one local day, from hourly rollups; what is left (the current
 * hour, a range's uneven edges, the hour across midnight in a :30 or :45 zone) from the raw rows.
 * Unique visitors then merge the sketches with the live rows' users: exact while every sketch is a
 * sparse list of ids, else an estimate (`uniqueVisitorsEstimated`).
 */
export async function selectGlobalStats(ctx: StoreContext, q: StatsQuery): Promise<StatsRows> {
  const { zone } = ctx;
  const now = Date.now();
  const earliest = await earliestRow(ctx);
  const tally = emptyTally();
  if (earliest === null) {
    const { uniques } = await tallyRows(ctx, q, [q], tally, { referrals: true, uniques: 'count' });
    return shape(tally, uniques as number, false);
  }

  // Nothing lies before the earliest row's day: a range that starts earlier starts there.
  const start = Math.max(q.from?.getTime() ?? -Infinity, zone.startOf(zone.dayOf(earliest)));
  const end = q.to?.getTime() ?? Infinity;
  const closedUntil = Math.min(end, now - CLOSED_MARGIN);
  let first = zone.dayOf(start);
  if (zone.startOf(first) < start) first++;
  let last = zone.dayOf(closedUntil);
  if (zone.startOf(last + 1) > closedUntil) last--;

  const days: number[] = [];
  const rest: Span[] = [];
  if (first <= last) {
    for (let day = first; day <= last; day++) days.push(day);
    if (start < zone.startOf(first)) rest.push({ start, end: zone.startOf(first) });
    if (zone.startOf(last + 1) < end) rest.push({ start: zone.startOf(last + 1), end });
  } else if (start < end) {
    rest.push({ start, end });
  }
  const hours: number[] = [];
  const live: Span[] = [];
  for (const span of rest) splitHours(span, Math.min(span.end, now - CLOSED_MARGIN), (h) => hourInOneDay(ctx, h), hours, live);

  // Bindings move under last-touch (a rebinding changes an older binding's day): counted live.
  const rolledReferrals = ctx.rules.model === 'first-touch';
  const want = { referrals: rolledReferrals, uniques: 'ids' as const };
  const [byDay, byHour, fromRows] = await Promise.all([
    readRollups(ctx, dayGrain(ctx), days),
    readRollups(ctx, hourGrain(ctx), hours),
    live.length ? tallyRows(ctx, q, ranges(live), tally, want) : { uniques: [] as number[] },
  ]);
  // Buckets voided while they were read (rare): their rows, live.
  const missing = [
    ...byDay.missing.map((day) => ({ start: zone.startOf(day), end: zone.startOf(day + 1) })),
    ...byHour.missing.map((hour) => ({ start: hour * HOUR_MS, end: (hour + 1) * HOUR_MS })),
  ];
  const late = missing.length ? await tallyRows(ctx, q, ranges(missing), tally, want) : { uniques: [] as number[] };

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

/**
 * Splits `span` into the closed hours (ending by `closedBy`) that lie wholly in it and pass `whole`,
 * pushed to `hours`, and the stretches between them, pushed to `live`.
 */
function splitHours(span: Span, closedBy: number, whole: (hour: number) => boolean, hours: number[], live: Span[]): void {
  let from = span.start;
  const lastHour = Math.floor(closedBy / HOUR_MS) - 1;
  for (let hour = Math.ceil(span.start / HOUR_MS); hour <= lastHour; hour++) {
    if (!whole(hour)) continue;
    if (from < hour * HOUR_MS) live.push({ start: from, end: hour * HOUR_MS });
    hours.push(hour);
    from = (hour + 1) * HOUR_MS;
  }
  if (from < span.end) live.push({ start: from, end: span.end });
}

/** Spans as the ranges `tallyRows` reads, neighbours joined. */
function ranges(spans: Span[]): Range[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const joined: Span[] = [];
  for (const s of sorted) {
    const prev = joined[joined.length - 1];
    if (prev && prev.end >= s.start) prev.end = Math.max(prev.end, s.end);
    else joined.push({ ...s });
  }
  return joined.map((s) => ({ from: new Date(s.start), to: s.end === Infinity ? undefined : new Date(s.end) }));
}

function addRolled(tally: Tally, rolled: RolledUp, referrals: boolean): void {
  tally.visits += rolled.visits;
  tally.newUserVisits += rolled.newUserVisits;
  tally.shares += rolled.shares;
  if (referrals) tally.referrals += rolled.referrals;
  for (const [day, counts] of rolled.byDay) addDay(tally, day, counts);
  for (const [scene, n] of rolled.byScene) tally.byScene.set(scene, (tally.byScene.get(scene) ?? 0) + n);
  for (const [type, n] of rolled.byShareType) tally.byShareType.set(type, (tally.byShareType.get(type) ?? 0) + n);
}

/** Global stats from rollups and the last hour's rows; one code, one user or one appid read live, every count exact. */
export async function selectStats(ctx: StoreContext, q: StatsQuery): Promise<StatsRows> {
  if (q.userId === undefined && q.promocode === undefined && q.appid === undefined) return selectGlobalStats(ctx, q);
  const tally = emptyTally();
  const { uniques } = await tallyRows(ctx, q, [q], tally, { referrals: true, uniques: 'count' });
  return shape(tally, uniques as number, false);
}
