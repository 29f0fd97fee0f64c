import type { Zone } from './time-zone.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** The instant `ms` as the zone's wall clock with its offset: `2026-12-01T08:03:43.440+08:00` (ISO 8601). */
export function localIso(zone: Zone, ms: number): string {
  const offset = zone.offsetAt(ms);
  const minutes = Math.round(Math.abs(offset) / 60_000);
  return `${new Date(ms + offset).toISOString().slice(0, 23)}${offset < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}
