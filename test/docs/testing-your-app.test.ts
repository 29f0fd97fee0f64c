// The README's "Testing your app" example, kept runnable: if the README's code stops working, this fails.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTracker, type Tracker } from '@promo-track/core';

let db: Kysely<any>;
let tracker: Tracker;
beforeEach(async () => {
  db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  tracker = createTracker({ db, salt: 'test-salt-0123456789' });
  await tracker.migrate();
});
afterEach(() => db.destroy());

it('credits the user whose code brought a new user', async () => {
  const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
  await tracker.recordTrack({ userId: 2, promocode, scene: 1047 });
  expect((await tracker.getReferrer(2))?.referrerId).toBe(1);
});

it('starts every test from an empty database', async () => {
  expect(await tracker.getReferrer(2)).toBeNull();
  expect((await tracker.stats()).visits).toBe(0);
});
