import { createZone, DAY_MS, type Zone } from '../days/time-zone.js';
import type { Tracker } from '../model/types.js';

/**
 * `from` / `to` as a query writes them: an ISO 8601 instant, or a bare date `YYYY-MM-DD`, which is
 * midnight of that day in the tracker's `timeZone` (`from=2026-12-01&to=2026-12-02` on an
 * `Asia/Shanghai` tracker is exactly the Beijing day of December 1st). The text was checked by the
 * wire's schema (wire-inputs.ts); the order of the two is the tracker's to check.
 */

const BARE_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const zones = new Map<string, Zone>();

/** The tracker's zone, made once per zone name (a stand-in tracker without one counts in UTC). */
export function trackerZone(tracker: Tracker): Zone {
  const name = typeof tracker.timeZone === 'string' ? tracker.timeZone : 'UTC';
  let zone = zones.get(name);
  if (!zone) zones.set(name, (zone = createZone(name)));
  return zone;
}

function instant(zone: Zone, text: string): Date {
  const bare = BARE_DATE.exec(text);
  if (!bare) return new Date(text);
  return new Date(zone.startOf(Date.UTC(Number(bare[1]), Number(bare[2]) - 1, Number(bare[3])) / DAY_MS));
}

export function wireRange(tracker: Tracker, range: { from?: string; to?: string }): { from?: Date; to?: Date } {
  const zone = trackerZone(tracker);
  return {
    from: range.from === undefined ? undefined : instant(zone, range.from),
    to: range.to === undefined ? undefined : instant(zone, range.to),
  };
}
