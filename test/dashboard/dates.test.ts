import { describe, expect, it } from 'vitest';
import { mountOf } from '../../packages/dashboard/src/client/api.js';
import { customRange, dayIn, eachDay, presetRange, rangeQuery, startIn } from '../../packages/dashboard/src/client/dates.js';

const NOW = Date.parse('2026-11-25T23:30:00.000Z');

describe("the dashboard's ranges of whole days in the tracker's time zone", () => {
  it('turns presets into days ending today, today being the zone’s', () => {
    expect(presetRange('7d', 'UTC', NOW)).toEqual({ preset: '7d', first: '2026-11-19', last: '2026-11-25' });
    expect(presetRange('30d', 'UTC', NOW)).toEqual({ preset: '30d', first: '2026-10-27', last: '2026-11-25' });
    expect(presetRange('all', 'UTC', NOW)).toEqual({ preset: 'all', first: null, last: null });
    // 23:30 UTC is already the 26th in Shanghai, still the 25th in New York.
    expect(presetRange('7d', 'Asia/Shanghai', NOW)).toEqual({ preset: '7d', first: '2026-11-20', last: '2026-11-26' });
    expect(presetRange('7d', 'America/New_York', NOW)).toEqual({ preset: '7d', first: '2026-11-19', last: '2026-11-25' });
  });

  it("asks the routes for `from` inclusive and `to` exclusive at the zone's midnights", () => {
    const days = { preset: 'custom', first: '2026-11-01', last: '2026-11-03' } as const;
    expect(rangeQuery(days)).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-04T00:00:00.000Z' });
    expect(rangeQuery(days, 'Asia/Shanghai')).toEqual({ from: '2026-10-31T16:00:00.000Z', to: '2026-11-03T16:00:00.000Z' });
    // New York leaves daylight saving on 2026-11-01: that day lasts 25 hours.
    expect(rangeQuery(days, 'America/New_York')).toEqual({ from: '2026-11-01T04:00:00.000Z', to: '2026-11-04T05:00:00.000Z' });
    expect(rangeQuery({ preset: 'all', first: null, last: null }, 'Asia/Shanghai')).toEqual({ from: undefined, to: undefined });
  });

  it('finds midnights and days across daylight-saving changes, both ways', () => {
    expect(new Date(startIn('2026-03-08', 'America/New_York')).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(new Date(startIn('2026-03-09', 'America/New_York')).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(dayIn(Date.parse('2026-03-09T03:59:59.000Z'), 'America/New_York')).toBe('2026-03-08');
    expect(dayIn(Date.parse('2026-03-09T04:00:00.000Z'), 'America/New_York')).toBe('2026-03-09');
    // Where a day starts at 01:00 (Santiago moves its clocks at midnight), its first instant.
    const start = startIn('2026-09-06', 'America/Santiago');
    expect(dayIn(start, 'America/Santiago')).toBe('2026-09-06');
    expect(dayIn(start - 1, 'America/Santiago')).toBe('2026-09-05');
  });

  it('moves the other end when one is moved past it', () => {
    expect(customRange('2026-11-10', '2026-11-05', 'first')).toEqual({ preset: 'custom', first: '2026-11-10', last: '2026-11-10' });
    expect(customRange('2026-11-10', '2026-11-05', 'last')).toEqual({ preset: 'custom', first: '2026-11-05', last: '2026-11-05' });
    expect(customRange('', '2026-11-05')).toEqual({ preset: 'custom', first: null, last: '2026-11-05' });
    expect(customRange('not a day', 'nor this')).toEqual({ preset: 'custom', first: null, last: null });
  });

  it('lists every day of a range, across months, and caps a mistyped one', () => {
    expect(eachDay('2026-10-30', '2026-11-02')).toEqual(['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']);
    expect(eachDay('2026-11-02', '2026-11-01')).toEqual([]);
    expect(eachDay('0001-01-01', '9999-12-31')).toHaveLength(1100);
  });

  it('finds the routes from its own URL, wherever it is mounted', () => {
    expect(mountOf('/dashboard')).toBe('');
    expect(mountOf('/api/dashboard')).toBe('/api');
    expect(mountOf('/api/v1/dashboard/')).toBe('/api/v1');
  });
});
