/**
 * Calendar days of an IANA time zone, computed in JS (Intl) so that every database buckets the same
 * way: a day's number is `floor((ms + offset(ms)) / DAY_MS)`, the offset piecewise constant between
 * the zone's transitions (docs/stats.md).
 */
export const DAY_MS = 86_400_000;

/** A stretch of time over which the zone's UTC offset is constant: `[start, end)`, `offset` in ms. */
export interface OffsetSegment {
  start: number;
  end: number;
  offset: number;
}

export interface Zone {
  name: string;
  /** The zone's UTC offset at `ms`, in ms. */
  offsetAt(ms: number): number;
  /** The local day number (days since 1970-01-01 in local time) of `ms`. */
  dayOf(ms: number): number;
  /** The instant at which local day `day` starts. */
  startOf(day: number): number;
  /** The constant-offset stretches that cover `[from, to)`, in order. */
  segments(from: number, to: number): OffsetSegment[];
}

/** `'YYYY-MM-DD'` of a local day number. */
export const dayString = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** True when `name` is a zone this runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const HOUR = 3_600_000;

export function createZone(name: string): Zone {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const fixed = name === 'UTC' || name === 'Etc/UTC';
  const offsets = new Map<number, number>();
  const offsetAt = (ms: number): number => {
    if (fixed) return 0;
    // Offsets change on whole seconds: the second's offset holds for its every millisecond.
    const second = Math.floor(ms / 1000);
    const known = offsets.get(second);
    if (known !== undefined) return known;
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(second * 1000)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    const offset = local - second * 1000;
    if (offsets.size > 50_000) offsets.clear();
    offsets.set(second, offset);
    return offset;
  };

  /** The first ms in `(lo, hi]` whose offset differs from `lo`'s (offsets are constant on a second). */
  const transitionIn = (lo: number, hi: number): number => {
    const base = offsetAt(lo);
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (offsetAt(mid) === base) lo = mid;
      else hi = mid;
    }
    return Math.floor(hi / 1000) * 1000;
  };

  // A year's transitions, found once: zones change their offset a few times a year at most, never
  // twice within the week between two samples.
  const years = new Map<number, number[]>();
  const transitionsOf = (year: number): number[] => {
    let found = years.get(year);
    if (found) return found;
    found = [];
    const end = Date.UTC(year + 1, 0, 1);
    for (let probe = Date.UTC(year, 0, 1); probe < end;) {
      const next = Math.min(probe + 7 * DAY_MS, end);
      if (offsetAt(next) !== offsetAt(probe)) {
        const at = transitionIn(probe, next);
        found.push(at);
        probe = at;
      } else {
        probe = next;
      }
    }
    years.set(year, found);
    return found;
  };

  const segments = (from: number, to: number): OffsetSegment[] => {
    const out: OffsetSegment[] = [];
    let start = from;
    if (!fixed) {
      for (let year = new Date(from).getUTCFullYear(); year <= new Date(to).getUTCFullYear(); year++) {
        for (const at of transitionsOf(year)) {
          if (at <= start || at >= to) continue;
          out.push({ start, end: at, offset: offsetAt(start) });
          start = at;
        }
      }
    }
    out.push({ start, end: to, offset: offsetAt(start) });
    return out;
  };

  const dayOf = (ms: number) => Math.floor((ms + offsetAt(ms)) / DAY_MS);
  const startOf = (day: number): number => {
    // The first second whose local day is `day`: offsets lie within ±15 h, so it is in this window.
    let lo = Math.floor((day * DAY_MS - 16 * HOUR) / 1000);
    let hi = Math.floor((day * DAY_MS + 16 * HOUR) / 1000);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (dayOf(mid * 1000) >= day) hi = mid;
      else lo = mid;
    }
    return hi * 1000;
  };
  return { name, offsetAt, dayOf, startOf, segments };
}
