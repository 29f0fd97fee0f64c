/** Date ranges in whole UTC days, the unit of `/stats`' `by_day`. */

export const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a UTC instant. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** Midnight UTC of a `YYYY-MM-DD` day, or NaN. */
export const startOf = (day: string): number => (/^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00.000Z`) : NaN);

export type Preset = '7d' | '30d' | '90d' | 'all' | 'custom';
export const PRESETS: { value: Preset; label: string }[] = [
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
  { value: 'all', label: 'All time' },
  { value: 'custom', label: 'Custom' },
];

/** First and last day shown, both inclusive; `null` days mean "unbounded" (all time). */
export interface Range {
  preset: Preset;
  first: string | null;
  last: string | null;
}

export function presetRange(preset: Preset, now = Date.now()): Range {
  const today = dayOf(now);
  const days = { '7d': 7, '30d': 30, '90d': 90 }[preset as '7d'];
  if (!days) return { preset: 'all', first: null, last: null };
  return { preset, first: dayOf(startOf(today) - (days - 1) * DAY_MS), last: today };
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

/** The routes' `from` (inclusive) and `to` (exclusive) for a range of whole days. */
export function rangeQuery(range: Range): { from?: string; to?: string } {
  return {
    from: range.first ? new Date(startOf(range.first)).toISOString() : undefined,
    to: range.last ? new Date(startOf(range.last) + DAY_MS).toISOString() : undefined,
  };
}

/** Every day from `first` to `last`, inclusive (at most ~3 years, so a typo cannot hang the page). */
export function eachDay(first: string, last: string): string[] {
  const days: string[] = [];
  for (let t = startOf(first); t <= startOf(last) && days.length < 1100; t += DAY_MS) days.push(dayOf(t));
  return days;
}
