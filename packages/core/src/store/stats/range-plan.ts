import type { StoreContext } from '../context.js';
import { HOUR_MS, hourInOneDay } from './rollup-grains.js';
import { CLOSED_MARGIN } from './rollups.js';
import type { Range } from './tally.js';

/** A stretch of time `[start, end)` in ms; `end` may be `Infinity` (a range without `to`). */
export interface Span {
  start: number;
  end: number;
}

/** Where each part of a range is read from (docs/stats.md). */
export interface RangePlan {
  /** Closed local days wholly in the range: daily rollups. */
  days: number[];
  /** Closed UTC hours wholly in the rest, each in one local day: hourly rollups. */
  hours: number[];
  /** The rest (the open hour, uneven edges, an hour across midnight in a :30 or :45 zone): raw rows. */
  live: Span[];
}

/**
 * Splits `range` into the closed days that lie wholly in it; within the rest (today, a range's
 * partial first or last day) the closed hours that lie wholly in it, and in one local day; and what
 * is left. `earliest` is the earliest row's time: nothing lies before its day.
 */
export function planRange(ctx: StoreContext, range: Range, earliest: number, now: number): RangePlan {
  const { zone } = ctx;
  const start = Math.max(range.from?.getTime() ?? -Infinity, zone.startOf(zone.dayOf(earliest)));
  const end = range.to?.getTime() ?? Infinity;
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
  return { days, hours, live };
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

/** The instants of closed days and hours, as spans (to read a bucket's rows live). */
export const daySpan = (ctx: StoreContext, day: number): Span => ({ start: ctx.zone.startOf(day), end: ctx.zone.startOf(day + 1) });
export const hourSpan = (hour: number): Span => ({ start: hour * HOUR_MS, end: (hour + 1) * HOUR_MS });

/** Spans as the ranges raw reads take, neighbours joined. */
export function spanRanges(spans: Span[]): Range[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const joined: Span[] = [];
  for (const s of sorted) {
    const prev = joined[joined.length - 1];
    if (prev && prev.end >= s.start) prev.end = Math.max(prev.end, s.end);
    else joined.push({ ...s });
  }
  return joined.map((s) => ({ from: new Date(s.start), to: s.end === Infinity ? undefined : new Date(s.end) }));
}
