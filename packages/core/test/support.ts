import { type Kysely, sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, vi } from 'vitest';
import { createTracker, type Tracker, type TrackerOptions } from '@promo-track/core';
import { countRows, databases, openTracker, readingCatalog, SALT, type TestDatabase } from '../../../test/support/databases.js';

export { countRows, databases, SALT, type TestDatabase } from '../../../test/support/databases.js';

/**
 * The conformance suite's loop: `body` runs once per database and PostgreSQL driver (pg, Postgres.js,
 * pg through pgbouncer). A server database whose URL is not set shows its tests as skipped (never
 * as passed). `defaultDriverOnly`: once per database, for tests that do not depend on the driver
 * (they say why where they ask for it); the multi-process races keep their own lists.
 */
export function eachDatabase(body: (database: TestDatabase) => void, { defaultDriverOnly = false } = {}): void {
  describe.each(databases.filter((d) => d.defaultDriver || !defaultDriverOnly))('$label', (database) => {
    describe.skipIf(!database.enabled)(database.enabled ? 'conformance' : `skipped: ${database.env} is not set`, () => body(database));
  });
}

/**
 * How much a volume test writes: `full` through each database's default driver, `other` through the
 * other PostgreSQL drivers (Postgres.js, pg through pgbouncer), which send the same statements over
 * another wire. Every test still runs on each driver, on less data, so the suite stays short.
 */
export const volume = (database: TestDatabase, full: number, other: number): number => (database.defaultDriver ? full : other);

export interface TrackerFixture {
  tracker: Tracker;
  db: Kysely<any>;
  prefix: string;
  /** Another tracker over the same tables, with other options (no migration needed). */
  make(options?: Partial<TrackerOptions>): Tracker;
  /** Row counts of every table the library owns. */
  counts(): Promise<Record<string, number>>;
  /** Empties every data table and answers a new tracker over them (as before each test). */
  empty(): Promise<Tracker>;
}

const DATA_TABLES = [
  'promo',
  'track',
  'share',
  'visitor',
  'referral',
  'decision',
  'webhook_message',
  'rollup_day',
  'rollup_scene',
  'rollup_share_type',
  'rollup_hour',
  'rollup_hour_scene',
  'rollup_hour_share_type',
  'rollup_referrals',
  'rollup_ref_visits',
  'rollup_hour_referrals',
  'rollup_hour_ref_visits',
  'conversion',
  'conversion_refund',
  'rollup_conv',
  'rollup_ref_conv',
  'rollup_hour_conv',
  'rollup_hour_ref_conv',
  'reward',
  'reward_decision',
  'reward_count',
  'signal',
  'abuse_counter',
  'flag',
  'flag_review',
  'code_job',
  'code_budget',
];

/** Every table the library owns: its data and its bookkeeping. */
export const OWN_TABLES = [...DATA_TABLES, 'promo_track_lock', 'promo_track_migration', 'promo_track_migration_lock'];

/** Every migration, in the order it runs. */
export const MIGRATIONS = [
  '0001_init',
  '0002_outcome_on_track',
  '0003_arrived_new_and_utf8mb4',
  '0004_outbox',
  '0005_rollups',
  '0006_hour_rollups',
  '0007_referrer_rollups',
  '0008_conversions',
  '0009_rewards',
  '0010_abuse_signals',
  '0011_code_jobs',
  '0012_decision_scene',
  '0013_binding_lock_version',
];

type Opened = Awaited<ReturnType<typeof openTracker>>;

/**
 * Migrated databases whose suite has ended, per entry of `databases`: the file's next suite on that
 * entry takes one (emptied) instead of migrating again. Closed (their tables dropped) when the file ends.
 */
const spare = new Map<TestDatabase, Opened[]>();
afterAll(async () => {
  for (const opened of [...spare.values()].flat()) await opened.close();
  spare.clear();
});

/**
 * A migrated tracker on an isolated database: a `:memory:` SQLite, or a unique table prefix on
 * a shared server, dropped afterwards. Migrated once per file and database (DDL is slow on shared
 * servers): a later suite of the file gets the same tables, emptied, and a new tracker with its own
 * options. Every test starts from empty tables, unless `emptyEachTest` is false (read-only suites
 * that share one data set).
 */
export function useTracker(
  database: TestDatabase,
  options: Partial<TrackerOptions> = {},
  { emptyEachTest = true }: { emptyEachTest?: boolean } = {},
): TrackerFixture {
  const fixture = {} as TrackerFixture;
  let opened: Opened | undefined;
  beforeAll(async () => {
    const reused = spare.get(database)?.pop();
    opened = reused ?? (await openTracker(database, options));
    const { db, prefix } = opened;
    fixture.db = db;
    fixture.prefix = prefix;
    fixture.make = (more = {}) => createTracker({ db, salt: SALT, tablePrefix: prefix, ...options, ...more });
    fixture.tracker = reused ? fixture.make() : opened.tracker;
    fixture.counts = () => countRows(db, prefix);
    fixture.empty = async () => {
      await fixture.db.transaction().execute(async (trx) => {
        for (const table of DATA_TABLES) await trx.deleteFrom(fixture.prefix + table).execute();
      });
      // A new tracker for the emptied tables: the old one remembers promos deleted behind its back.
      fixture.tracker = fixture.make();
      return fixture.tracker;
    };
    // The previous suite's rows go, whether or not this suite empties before each test.
    if (reused) await fixture.empty();
  });
  beforeEach(async () => {
    if (emptyEachTest) await fixture.empty();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    // This suite's trackers flush the later-visit signals they hold 20 ms after the visit
    // (store/abuse/signal-buffer.ts): let that land before the next suite empties the tables.
    await new Promise((resolve) => setTimeout(resolve, 60));
    if (opened) spare.set(database, [...(spare.get(database) ?? []), opened]);
    opened = undefined;
  });
  return fixture;
}

/** Freezes `Date` (only `Date`: the drivers' own timers keep running) at `at`. */
export function freezeTime(at: Date | string | number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(at));
}

/** Asserts that `promise` rejects with an error of `type` and returns it. */
export async function rejection<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: any[]) => E): Promise<E> {
  const error = await promise.then(
    () => {
      throw new Error(`expected a ${type.name}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

export const DAY = 86_400_000;

/**
 * The tables of the current schema/database whose names start with `prefix`. Asks the catalog
 * directly: Kysely's introspection reads every schema and fails when another test drops a table
 * in between.
 */
export async function listTables(db: Kysely<any>, dialect: 'sqlite' | 'postgres' | 'mysql', prefix = ''): Promise<string[]> {
  const query =
    dialect === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\'`
      : dialect === 'postgres'
        ? sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`
        : sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = database()`;
  const { rows } = await readingCatalog(() => query.execute(db));
  return rows
    .map((r) => r.name)
    .filter((n) => n.startsWith(prefix))
    .sort();
}

/** The column names of `table`, sorted. */
export async function listColumns(db: Kysely<any>, dialect: 'sqlite' | 'postgres' | 'mysql', table: string): Promise<string[]> {
  const query =
    dialect === 'sqlite'
      ? sql<{ name: string }>`select name from pragma_table_info(${table})`
      : dialect === 'postgres'
        ? sql<{
            name: string;
          }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ${table}`
        : sql<{
            name: string;
          }>`select column_name as name from information_schema.columns where table_schema = database() and table_name = ${table}`;
  return (await readingCatalog(() => query.execute(db))).rows.map((r) => r.name).sort();
}
