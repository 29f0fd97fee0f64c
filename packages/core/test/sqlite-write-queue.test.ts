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
