import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTracker, type Tracker, withStatementCache } from '@promo-track/core';
import { SALT } from './support.js';

/**
 * Issue 30, P7: during a flood of one user's stats (the heaviest read a mini-program may ask for:
 * every visit through their codes), other reads must not wait behind it. SQLite, where the cause
 * was: one connection, statements one after the other, each stats call several heavy statements.
 */
const VISITS = 20_000;
let db: Kysely<any>;
let tracker: Tracker;
let promocode = '';

beforeAll(async () => {
  db = new Kysely<any>({ dialect: new SqliteDialect({ database: withStatementCache(new Database(':memory:')) }) });
  tracker = createTracker({ db, salt: SALT });
  await tracker.migrate();
  ({ promocode } = await tracker.getOrCreatePromo({ userId: 1 }));
  const now = Date.now();
  for (let i = 0; i < VISITS; i += 1000) {
    await tracker.recordTracks(
      Array.from({ length: 1000 }, (_, j) => ({
        userId: 1000 + i + j,
        promocode,
        scene: [1047, 1007, 1008, 1089][j % 4]!,
        occurredAt: new Date(now - ((i + j) / VISITS) * 6 * 86_400_000),
      })),
    );
  }
}, 120_000);

afterAll(() => db?.destroy());

/** Other reads, one after another, each timed: a referrer, a user's referrals, a user's decisions. */
async function otherReads(n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const user = 1000 + ((i * 7919) % VISITS);
    if (i % 3 === 0) expect(await tracker.getReferrer(user)).toMatchObject({ referrerId: 1 });
    else if (i % 3 === 1) expect((await tracker.listReferrals(1, { limit: 5 })).items).toHaveLength(5);
    else expect((await tracker.explainReferral(user)).decisions).toHaveLength(1);
    times.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 2)); // reads arrive now and then, not back to back
  }
  return times;
}

const p99 = (times: number[]) => [...times].sort((a, b) => a - b)[Math.ceil(times.length * 0.99) - 1]!;

it("keeps other reads within 100 ms p99 of their time alone while 16 callers flood one user's stats", async () => {
  const alone = p99(await otherReads(100));
  let flooding = true;
  let answered = 0;
  const heavyAlone = performance.now();
  await tracker.stats({ userId: 1 });
  const oneStats = performance.now() - heavyAlone;
  const flood = Array.from({ length: 16 }, async () => {
    while (flooding) {
      expect((await tracker.stats({ userId: 1 })).visits).toBe(VISITS);
      answered++;
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 100)); // the flood under way
  const during = p99(await otherReads(100));
  flooding = false;
  await Promise.all(flood);
  console.log(
    `other reads p99: ${alone.toFixed(1)} ms alone, ${during.toFixed(1)} ms during the flood; one stats call ${oneStats.toFixed(1)} ms; ${answered} answered`,
  );
  expect(answered).toBeGreaterThanOrEqual(16);
  // Before: every flooding caller's statements queued ahead of each other read (~0.9 s here). Now it
  // waits behind at most one heavy statement. Both p99 are measured here, on the same machine and
  // its load, and compared: what the flood adds is what is bounded.
  expect(during - alone).toBeLessThan(100);
}, 120_000);
