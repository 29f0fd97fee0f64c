import { beforeAll, describe, expect, it, vi } from 'vitest';
import { eachDatabase, freezeTime, useTracker } from './support.js';

// Visits at instants around the 2026 daylight-saving switches of New York (Mar 8 02:00 EST → 03:00
// EDT; Nov 1 02:00 EDT → 01:00 EST) and around Beijing midnights (UTC+8, no DST), with the local day
// each lands on in each zone.
const VISITS: { at: string; ny: string; sh: string; utc: string }[] = [
  { at: '2026-03-08T04:59:59.999Z', ny: '2026-03-07', sh: '2026-03-08', utc: '2026-03-08' }, // NY 23:59:59.999 EST
  { at: '2026-03-08T05:00:00.000Z', ny: '2026-03-08', sh: '2026-03-08', utc: '2026-03-08' }, // NY 00:00 EST
  { at: '2026-03-08T06:59:59.999Z', ny: '2026-03-08', sh: '2026-03-08', utc: '2026-03-08' }, // NY 01:59:59.999 EST
  { at: '2026-03-08T07:00:00.000Z', ny: '2026-03-08', sh: '2026-03-08', utc: '2026-03-08' }, // NY 03:00 EDT
  { at: '2026-03-08T15:59:59.999Z', ny: '2026-03-08', sh: '2026-03-08', utc: '2026-03-08' }, // SH 23:59:59.999
  { at: '2026-03-08T16:00:00.000Z', ny: '2026-03-08', sh: '2026-03-09', utc: '2026-03-08' }, // SH 00:00
  { at: '2026-03-09T03:59:59.999Z', ny: '2026-03-08', sh: '2026-03-09', utc: '2026-03-09' }, // NY 23:59:59.999 EDT (a 23-hour day)
  { at: '2026-03-09T04:00:00.000Z', ny: '2026-03-09', sh: '2026-03-09', utc: '2026-03-09' }, // NY 00:00 EDT
  { at: '2026-11-01T03:59:59.999Z', ny: '2026-10-31', sh: '2026-11-01', utc: '2026-11-01' }, // NY 23:59:59.999 EDT
  { at: '2026-11-01T04:00:00.000Z', ny: '2026-11-01', sh: '2026-11-01', utc: '2026-11-01' }, // NY 00:00 EDT
  { at: '2026-11-01T05:30:00.000Z', ny: '2026-11-01', sh: '2026-11-01', utc: '2026-11-01' }, // NY 01:30 EDT
  { at: '2026-11-01T06:30:00.000Z', ny: '2026-11-01', sh: '2026-11-01', utc: '2026-11-01' }, // NY 01:30 EST (the hour again)
  { at: '2026-11-02T04:59:59.999Z', ny: '2026-11-01', sh: '2026-11-02', utc: '2026-11-02' }, // NY 23:59:59.999 EST (a 25-hour day)
  { at: '2026-11-02T05:00:00.000Z', ny: '2026-11-02', sh: '2026-11-02', utc: '2026-11-02' }, // NY 00:00 EST
];

/** The expected byDay of a zone: visits counted per local day, every visit returning but each user's first. */
function expectedDays(zone: 'ny' | 'sh' | 'utc', first: Set<string>) {
  const days = new Map<string, { day: string; visits: number; newUserVisits: number; shares: number; conversions: number }>();
  for (const v of VISITS) {
    const entry = days.get(v[zone]) ?? { day: v[zone], visits: 0, newUserVisits: 0, shares: 0, conversions: 0 };
    entry.visits++;
    entry.shares++;
    if (first.has(v.at)) entry.newUserVisits++;
    days.set(v[zone], entry);
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

eachDatabase((database) => {
  const f = useTracker(database, {}, { emptyEachTest: false });
  const first = new Set<string>();

  beforeAll(async () => {
    freezeTime(Date.parse(VISITS[0]!.at) - 60_000);
    const { promocode } = await f.tracker.getOrCreatePromo({ userId: 1 });
    for (const [i, v] of VISITS.entries()) {
      vi.setSystemTime(new Date(v.at));
      // Two visits per user: the first of each pair is the user's first.
      const track = await f.tracker.recordTrack({ userId: 100 + Math.floor(i / 2), promocode, scene: 1047 });
      if (track.trackType === 1) first.add(v.at);
      await f.tracker.recordShare({ userId: 100 + Math.floor(i / 2), promocode });
    }
    vi.useRealTimers();
  });

  describe('timeZone: byDay in the zone’s calendar days', () => {
    it.each([
      ['America/New_York', 'ny'],
      ['Asia/Shanghai', 'sh'],
      ['UTC', 'utc'],
    ] as const)('%s', async (timeZone, zone) => {
      const stats = await f.make({ timeZone }).stats();
      expect(stats.byDay).toEqual(expectedDays(zone, first));
      expect(stats.visits).toBe(VISITS.length);
    });

    it('a range cut at a local midnight keeps whole local days (New York, fall-back day)', async () => {
      const ny = f.make({ timeZone: 'America/New_York' });
      const stats = await ny.stats({ from: new Date('2026-11-01T04:00:00.000Z'), to: new Date('2026-11-02T05:00:00.000Z') });
      expect(stats.byDay).toEqual([{ day: '2026-11-01', visits: 4, newUserVisits: 2, shares: 4, conversions: 0 }]);
    });

    it('a range cut at a Beijing midnight (Asia/Shanghai)', async () => {
      const sh = f.make({ timeZone: 'Asia/Shanghai' });
      const stats = await sh.stats({ from: new Date('2026-03-08T16:00:00.000Z'), to: new Date('2026-03-09T16:00:00.000Z') });
      expect(stats.byDay).toEqual([{ day: '2026-03-09', visits: 3, newUserVisits: 1, shares: 3, conversions: 0 }]);
    });
  });
});
