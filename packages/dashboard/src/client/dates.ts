/**
 * Date ranges in whole calendar days of the tracker's time zone (`timeZone`, the unit of `/stats`'
 * `by_day`). Days are `YYYY-MM-DD` strings; the routes get the instants those days start at.
 */

export const DAY_MS = 86_400_000;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight UTC of a `YYYY-MM-DD` day, or NaN: day arithmetic, whatever the zone. */
export const startOf = (day: string): number => (DAY.test(day) ? Date.parse(`${day}T00:00:00.000Z`) : NaN);
/** `YYYY-MM-DD` of a UTC instant. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** The day `n` days after `day` (calendar arithmetic). */
export const addDays = (day: string, n: number): string => dayOf(startOf(day) + n * DAY_MS);

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock time in `zone` at `ms`, read as if it were UTC. */
function wallAsUtc(ms: number, zone: string): number {
  const p = Object.fromEntries(
    wallClock(zone)
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  );
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
}

/** The calendar day in `zone` at the instant `ms`. */
export const dayIn = (ms: number, zone: string): string => dayOf(wallAsUtc(ms, zone));

/** The instant `day` begins in `zone` (its midnight, or the first minute after a gap at midnight). */
export function startIn(day: string, zone: string): number {
  const wall = startOf(day);
  let t = wall - (wallAsUtc(wall, zone) - wall);
  // Once more with the offset at the found instant: right across a daylight-saving change.
  t = wall - (wallAsUtc(t, zone) - t);
  return dayIn(t, zone) < day ? t + 3_600_000 : t;
}

export type Preset = '7d' | '30d' | '90d' | 'all' | 'custom';
export const PRESETS: readonly Preset[] = ['7d', '30d', '90d', 'all', 'custom'];

/** First and last day shown, both inclusive; `null` days mean "unbounded" (all time). */
export interface Range {
  preset: Preset;
  first: string | null;
  last: string | null;
}

export function presetRange(preset: Preset, zone = 'UTC', now = Date.now()): Range {
  const today = dayIn(now, zone);
  const days = { '7d': 7, '30d': 30, '90d': 90 }[preset as '7d'];
  if (!days) return { preset: 'all', first: null, last: null };
  return { preset, first: addDays(today, -(days - 1)), last: today };
}

/**
 * A custom range from the two date inputs. When one end is moved past the other, the other follows
 * (a one-day range), as the reader meant the end they just changed.
 */
export function customRange(first: string, last: string, moved: 'first' | 'last' = 'first'): Range {
  const a = Number.isNaN(startOf(first)) ? null : first;
  const b = Number.isNaN(startOf(last)) ? null : last;
  if (a && b && a > b) return moved === 'first' ? { preset: 'custom', first: a, last: a } : { preset: 'custom', first: b, last: b };
  return { preset: 'custom', first: a, last: b };
}

/** The routes' `from` (inclusive) and `to` (exclusive) for a range of whole days in `zone`. */
export function rangeQuery(range: Range, zone = 'UTC'): { from?: string; to?: string } {
  return {
    from: range.first ? new Date(startIn(range.first, zone)).toISOString() : undefined,
    to: range.last ? new Date(startIn(addDays(range.last, 1), zone)).toISOString() : undefined,
  };
}

/** Every day from `first` to `last`, inclusive (at most ~3 years, so a typo cannot hang the page). */
export function eachDay(first: string, last: string): string[] {
  const days: string[] = [];
  for (let t = startOf(first); t <= startOf(last) && days.length < 1100; t += DAY_MS) days.push(dayOf(t));
  return days;
}
