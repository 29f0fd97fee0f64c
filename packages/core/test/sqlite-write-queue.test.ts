import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { createTracker } from '@promo-track/core';
import { SALT } from './support.js';

describe('SQLite writes, which wait for the end of the event loop’s turn', () => {
  it('complete while the host’s tests have faked the global timers', async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    const tracker = createTracker({ db, salt: SALT });
    await tracker.migrate();
    vi.useFakeTimers();
    try {
      const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
      expect(await tracker.recordTrack({ userId: 2, promocode, scene: 1047 })).toMatchObject({ trackType: 1, referrerId: 1 });
      expect(await tracker.recordShare({ userId: 2, promocode })).toMatchObject({ userId: 2 });
    } finally {
      vi.useRealTimers();
      await db.destroy();
    }
  });
});

/** A SQLite database whose COMMITs are counted (through the handle Kysely's dialect is given). */
function countingCommits() {
  const database = new Database(':memory:');
  const counter = { commits: 0 };
  const wrapped = {
    close: () => database.close(),
    prepare(sql: string) {
      if (/^\s*commit\b/i.test(sql)) counter.commits++;
      return database.prepare(sql);
    },
  };
  return { db: new Kysely<any>({ dialect: new SqliteDialect({ database: wrapped }) }), counter };
}

describe('SQLite group commit', () => {
  it('calls made together share one COMMIT, each with its own outcome', async () => {
    const { db, counter } = countingCommits();
    const tracker = createTracker({ db, salt: SALT });
    await tracker.migrate();
    const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
    counter.commits = 0;
    const tracks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => tracker.recordTrack({ userId: 100 + i, promocode, scene: 1047 })),
    );
    expect(tracks.map((t) => [t.userId, t.trackType, t.referrerId])).toEqual(Array.from({ length: 20 }, (_, i) => [100 + i, 1, 1]));
    expect(counter.commits).toBe(1);
    await db.destroy();
  });

  it('a lone call does not wait for the end of the turn, also one awaited after another', async () => {
    const { db, counter } = countingCommits();
    const tracker = createTracker({ db, salt: SALT });
    await tracker.migrate();
    const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
    let turnEnded = false;
    setImmediate(() => (turnEnded = true));
    for (let i = 0; i < 5; i++) await tracker.recordTrack({ userId: 200 + i, promocode, scene: 1047 });
    await tracker.recordTrack({ userId: 200, promocode, scene: 1047 });
    expect(turnEnded).toBe(false);
    expect(counter.commits).toBeGreaterThan(0);
    await db.destroy();
  });

  it('a lone call completes under fake timers (every timer and queueMicrotask faked)', async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    const tracker = createTracker({ db, salt: SALT });
    await tracker.migrate();
    vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'setInterval', 'queueMicrotask', 'Date'] });
    try {
      const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
      expect(await tracker.recordTrack({ userId: 2, promocode, scene: 1047 })).toMatchObject({ trackType: 1, referrerId: 1 });
      expect(await tracker.recordTrack({ userId: 2, promocode, scene: 1047 })).toMatchObject({ trackType: 2 });
      const both = await Promise.all([3, 4].map((userId) => tracker.recordTrack({ userId, promocode, scene: 1047 })));
      expect(both.map((t) => t.referrerId)).toEqual([1, 1]);
    } finally {
      vi.useRealTimers();
      await db.destroy();
    }
  });
});
