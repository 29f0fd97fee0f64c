import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type DatabaseConnection, type Dialect, type Driver, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracker, type Tracker, type TrackerOptions } from '@promo-track/core';
import { DAY, SALT } from './support.js';

/**
 * The `readDb` option on SQLite: the "replica" is a copy of the primary's file taken before the
 * last writes, opened read-only. A heavy read answers the copy's numbers, a read of one user's
 * facts the primary's; a write to the copy would throw (read-only), and its statements are logged.
 */
const OPTIONS = {
  salt: SALT,
  rewards: [{ id: 'invite', on: 'referral.bound', to: 'referrer', amount: 100 }],
  abuse: { maxBindingsPerHour: 2 },
} satisfies Partial<TrackerOptions>;

let dir = '';
let primary: Kysely<any>;
let replica: Kysely<any>;
/** The SQL the replica's Kysely ran, in order. */
const onReplica: string[] = [];
let tracker: Tracker;
/** Trackers over one database alone: what the primary and the copy hold (the copy's: plain reads only). */
let primaryOnly: Tracker;
let replicaOnly: Tracker;
let promocode = '';
const LATE_USER = 110;

const sqliteDb = (file: string, readonly: boolean, log?: string[]) =>
  new Kysely<any>({
    dialect: new SqliteDialect({ database: new Database(file, { readonly }) }),
    log: (event) => {
      if (log && event.level === 'query') log.push(event.query.sql);
    },
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'promo-read-db-'));
  const file = join(dir, 'primary.db');
  primary = sqliteDb(file, false);
  primaryOnly = createTracker({ db: primary, ...OPTIONS });
  await primaryOnly.migrate();
  ({ promocode } = await primaryOnly.getOrCreatePromo({ userId: 1 }));
  // Five visits two days ago (a closed day: rollups), five now; each binds its user to user 1.
  const twoDaysAgo = new Date(Date.now() - 2 * DAY);
  await primaryOnly.recordTracks(
    Array.from({ length: 10 }, (_, i) => ({ userId: 100 + i, promocode, scene: 1047, occurredAt: i < 5 ? twoDaysAgo : undefined })),
  );
  await primaryOnly.recordConversion({ userId: 100, type: 'order', orderId: 'o-1', amount: 500 });

  // The replica's copy, taken now: it lags behind everything below.
  const raw = new Database(file);
  raw.exec(`VACUUM INTO '${join(dir, 'replica.db')}'`);
  raw.close();
  await primaryOnly.recordTrack({ userId: LATE_USER, promocode, scene: 1047 });
  await primaryOnly.recordConversion({ userId: LATE_USER, type: 'order', orderId: 'o-2', amount: 700 });

  replica = sqliteDb(join(dir, 'replica.db'), true, onReplica);
  replicaOnly = createTracker({ db: replica, ...OPTIONS });
  tracker = createTracker({ db: primary, readDb: replica, ...OPTIONS });
});

afterAll(async () => {
  await primary?.destroy();
  await replica?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `dialect` whose statements wait for `held` before they run. */
function holding(dialect: Dialect, held: Promise<void>): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver(): Driver {
      const driver = dialect.createDriver();
      const inner = new WeakMap<DatabaseConnection, DatabaseConnection>();
      return {
        init: () => driver.init(),
        async acquireConnection() {
          const connection = await driver.acquireConnection();
          const waiting: DatabaseConnection = {
            executeQuery: async (query) => {
              await held;
              return connection.executeQuery(query);
            },
            streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
          };
          inner.set(waiting, connection);
          return waiting;
        },
        beginTransaction: (c, settings) => driver.beginTransaction(inner.get(c)!, settings),
        commitTransaction: (c) => driver.commitTransaction(inner.get(c)!),
        rollbackTransaction: (c) => driver.rollbackTransaction(inner.get(c)!),
        releaseConnection: (c) => driver.releaseConnection(inner.get(c)!),
        destroy: () => driver.destroy(),
      };
    },
  };
}

const all = async <T>(rows: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
};

/** The statements `work` ran on the replica. */
async function replicaStatements(work: () => Promise<unknown>): Promise<string[]> {
  const from = onReplica.length;
  await work();
  return onReplica.slice(from);
}

describe('readDb', () => {
  it("answers the operators' heavy reads from readDb, as of its copy", async () => {
    // (A tracker over the read-only copy alone could not build rollups: the numbers are written out.)
    expect(await tracker.stats()).toMatchObject({ visits: 10, newUserVisits: 10, uniqueVisitors: 10, referrals: 10 });
    expect(await primaryOnly.stats()).toMatchObject({ visits: 11, newUserVisits: 11, uniqueVisitors: 11, referrals: 11 });
    // Global stats over an appid are everyone's too.
    expect((await tracker.stats({ appid: 'wx-none' })).visits).toBe(0);

    expect(await tracker.leaderboard()).toEqual([{ referrerId: 1, referrals: 10, visits: 10, conversions: 1, revenue: 500 }]);
    expect((await primaryOnly.leaderboard())[0]).toMatchObject({ referrerId: 1, referrals: 11 });
    expect(await all(tracker.exportTracks())).toHaveLength(10);
    expect(await all(tracker.exportReferrals())).toHaveLength(10);
    expect(await all(tracker.exportConversions())).toHaveLength(1);
    expect(await all(tracker.exportRewards())).toEqual(await all(replicaOnly.exportRewards()));
    expect((await tracker.listConversions()).items).toHaveLength(1);
    expect((await tracker.listRewards()).items).toEqual((await replicaOnly.listRewards()).items);
    expect((await tracker.listFlagged({ limit: 100 })).items).toEqual((await replicaOnly.listFlagged({ limit: 100 })).items);
    expect((await primaryOnly.listFlagged({ limit: 100 })).items.length).toBeGreaterThan(
      (await replicaOnly.listFlagged({ limit: 100 })).items.length,
    );
    for (const read of [() => tracker.codeJobs(), () => tracker.listWebhookMessages(), () => tracker.listFlagged()]) {
      expect((await replicaStatements(read)).length).toBeGreaterThan(0);
    }
  });

  it("reads what must see the caller's own writes from db, never from readDb", async () => {
    const statements = await replicaStatements(async () => {
      expect(await tracker.getReferrer(LATE_USER)).toMatchObject({ referrerId: 1, promocode });
      expect((await tracker.explainReferral(LATE_USER)).decisions.map((d) => d.outcome)).toEqual(['bound']);
      expect((await tracker.listReferrals(1, { limit: 500 })).items).toHaveLength(11);
      expect(await tracker.findPromo(promocode)).toMatchObject({ userId: 1 });
      expect((await tracker.getOrCreatePromo({ userId: 1 })).promocode).toBe(promocode);
      expect((await tracker.stats({ promocode })).visits).toBe(11);
      expect((await tracker.stats({ userId: 1 })).visits).toBe(11);
      expect((await tracker.listConversions({ userId: LATE_USER })).items).toHaveLength(1);
      expect((await tracker.listConversions({ referrerId: 1 })).items).toHaveLength(2);
      expect((await tracker.listRewards({ userId: 1 })).items).toHaveLength(11);
      expect(await tracker.rewardBalance(1)).toEqual(await primaryOnly.rewardBalance(1));
    });
    expect(statements).toEqual([]);
  });

  it('builds the rollups on db, and never writes to readDb', async () => {
    const count = (db: Kysely<any>) =>
      sql<{ n: number }>`select count(*) as n from rollup_day`.execute(db).then((r) => Number(r.rows[0]!.n));
    // The copy holds no rollups, and is read-only: a build there would have thrown.
    expect(await count(replica)).toBe(0);
    const statements = await replicaStatements(() => tracker.stats());
    expect(await count(primary)).toBeGreaterThan(0);
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((s) => !/^\s*select\b/i.test(s))).toEqual([]);
  });

  it("takes the heavy reads' turns per database: a leaderboard stuck on the replica never holds up one user's stats on the primary", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const stuck = new Kysely<any>({
      dialect: holding(new SqliteDialect({ database: new Database(join(dir, 'replica.db'), { readonly: true }) }), held),
    });
    const t = createTracker({ db: primary, readDb: stuck, ...OPTIONS });
    // The leaderboard takes the replica's one heavy-read slot (SQLite: one), then waits on the replica.
    const board = t.leaderboard();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const late = new Promise((resolve) => setTimeout(() => resolve('still waiting after 2 s'), 2_000));
    expect(await Promise.race([t.stats({ userId: 1 }), late])).toMatchObject({ visits: 11 });
    release();
    expect((await board)[0]).toMatchObject({ referrerId: 1, referrals: 10 });
    await stuck.destroy();
  });

  it('without readDb reads everything from db', async () => {
    expect((await primaryOnly.stats()).visits).toBe(11);
    expect(await all(primaryOnly.exportTracks())).toHaveLength(11);
  });

  it('refuses a readDb that is not a Kysely instance, or of another kind of database than db', () => {
    expect(() => createTracker({ db: primary, ...OPTIONS, readDb: {} as Kysely<any> })).toThrow(/`readDb` is not a Kysely instance/);
    const postgres = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
    expect(() => createTracker({ db: primary, ...OPTIONS, readDb: postgres })).toThrow(
      /`readDb` is a postgres database and `db` a sqlite one/,
    );
  });
});
