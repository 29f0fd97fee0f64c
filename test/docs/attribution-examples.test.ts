// The examples of docs/attribution.md, kept true: each runs on a fresh in-memory tracker and checks
// the outcome the page gives it.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTracker, type DecisionOutcome, type Tracker, type TrackerOptions } from '@promo-track/core';

let db: Kysely<any> | undefined;
afterEach(async () => {
  await db?.destroy();
});

async function open(options: Partial<TrackerOptions> = {}) {
  db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  const tracker = createTracker({ db, salt: 'attribution-docs-salt', ...options });
  await tracker.migrate();
  const code = async (userId: number) => (await tracker.getOrCreatePromo({ userId })).promocode;
  return { tracker, alice: await code(1), bob: await code(2) };
}

/** The outcome of the user's latest decision. */
async function last(tracker: Tracker, userId: number): Promise<DecisionOutcome | undefined> {
  return (await tracker.explainReferral(userId)).decisions.at(-1)?.outcome;
}
const referrerOf = async (tracker: Tracker, userId: number) => (await tracker.getReferrer(userId))?.referrerId ?? null;

describe('docs/attribution.md examples', () => {
  it('bound, and returning_user for a first visit that says trackType 2', async () => {
    const { tracker, alice } = await open();
    await tracker.recordTrack({ userId: 2, promocode: alice, scene: 1047 });
    expect(await last(tracker, 2)).toBe('bound');
    expect(await referrerOf(tracker, 2)).toBe(1);
    await tracker.recordTrack({ userId: 4, promocode: alice, scene: 1047, trackType: 2 });
    expect(await last(tracker, 4)).toBe('returning_user');
    expect(await referrerOf(tracker, 4)).toBeNull();
  });

  it('self, cycle and excluded_scene', async () => {
    const { tracker, alice } = await open();
    await tracker.recordTrack({ userId: 1, promocode: alice, scene: 1007 });
    expect(await last(tracker, 1)).toBe('self');

    const fresh = await open();
    await fresh.tracker.recordTrack({ userId: 2, promocode: fresh.alice, scene: 1047 });
    await fresh.tracker.recordTrack({ userId: 1, promocode: fresh.bob, scene: 1047 });
    expect(await last(fresh.tracker, 1)).toBe('cycle');
    expect(await referrerOf(fresh.tracker, 1)).toBeNull();

    await fresh.tracker.recordTrack({ userId: 5, promocode: fresh.alice, scene: 1129 });
    expect(await last(fresh.tracker, 5)).toBe('excluded_scene');
  });
});
