import { expect, it } from 'vitest';
import { type Track, ValidationError } from '@promo-track/core';
import { eachDatabase, rejection, useTracker } from './support.js';

const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

eachDatabase((database) => {
  const f = useTracker(database);

  it('exportTracks: every track in range, oldest first, ties by id, across pages (1100 rows, many at one instant)', async () => {
    const { promocode } = await f.tracker.getOrCreatePromo({ userId: 1 });
    const base = Date.now() - 3_600_000;
    // Three batches; the first two at one shared instant each. Exported: 250 at `base`, 250 a
    // millisecond apart, then 600 at `base + 2000`, across which the first page (1000 rows) ends.
    const written: Track[] = [];
    for (const [batch, at, length] of [
      [0, base + 2000, 600],
      [1, base, 250],
      [2, base + 1000, 250],
    ] as const) {
      const inputs = Array.from({ length }, (_, i) => ({
        userId: 1000 + batch * 700 + i,
        promocode,
        scene: 1047,
        occurredAt: new Date(batch === 2 ? at + i : at),
      }));
      written.push(...(await f.tracker.recordTracks(inputs)));
    }
    const expected = [...written].sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || x.id - y.id);
    const all = await collect(f.tracker.exportTracks());
    expect(all).toEqual(expected);
    expect(new Set(all.map((t) => t.id)).size).toBe(1100);

    const from = new Date(base + 1000);
    const to = new Date(base + 1500);
    expect(await collect(f.tracker.exportTracks({ from, to }))).toEqual(expected.filter((t) => t.createdAt >= from && t.createdAt < to));
    // 1100 visits written one statement at a time: seconds through pgbouncer's extra hop on a loaded machine.
  }, 60_000);

  it('exportReferrals: every binding in range, oldest first', async () => {
    const { promocode } = await f.tracker.getOrCreatePromo({ userId: 1 });
    const base = Date.now() - 60_000;
    await f.tracker.recordTracks([3, 1, 2].map((n) => ({ userId: 10 + n, promocode, scene: 1047, occurredAt: new Date(base + n * 1000) })));
    const all = await collect(f.tracker.exportReferrals());
    expect(all.map((r) => [r.userId, r.referrerId, r.boundAt.getTime()])).toEqual([
      [11, 1, base + 1000],
      [12, 1, base + 2000],
      [13, 1, base + 3000],
    ]);
    expect((await collect(f.tracker.exportReferrals({ from: new Date(base + 1500) }))).map((r) => r.userId)).toEqual([12, 13]);
  });

  it('checks its input when called', async () => {
    expect(() => f.tracker.exportTracks({ from: new Date('x') })).toThrow(ValidationError);
    await rejection(
      Promise.resolve().then(() => f.tracker.exportReferrals({ to: 'soon' as never })),
      ValidationError,
    );
  });
});
