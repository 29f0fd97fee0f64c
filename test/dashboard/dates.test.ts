import { describe, expect, it } from 'vitest';
import { mountOf } from '../../packages/dashboard/src/client/api.js';
import { customRange, eachDay, presetRange, rangeQuery } from '../../packages/dashboard/src/client/dates.js';

const NOW = Date.parse('2026-11-25T23:30:00.000Z');

describe("the dashboard's ranges of whole UTC days", () => {
  it('turns presets into days ending today (UTC)', () => {
    expect(presetRange('7d', NOW)).toEqual({ preset: '7d', first: '2026-11-19', last: '2026-11-25' });
    expect(presetRange('30d', NOW)).toEqual({ preset: '30d', first: '2026-10-27', last: '2026-11-25' });
    expect(presetRange('all', NOW)).toEqual({ preset: 'all', first: null, last: null });
  });

  it("asks the routes for `from` inclusive and `to` exclusive, as the contract's stats take them", () => {
    expect(rangeQuery({ preset: 'custom', first: '2026-11-01', last: '2026-11-03' })).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-04T00:00:00.000Z',
    });
    expect(rangeQuery({ preset: 'all', first: null, last: null })).toEqual({ from: undefined, to: undefined });
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
