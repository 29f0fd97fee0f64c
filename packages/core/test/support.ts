import { type Kysely, sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, vi } from 'vitest';
import { createTracker, type Tracker, type TrackerOptions } from '@promo-track/core';
import { countRows, databases, openTracker, SALT, type TestDatabase } from '../../../test/support/databases.js';

export { countRows, databases, SALT, type TestDatabase } from '../../../test/support/databases.js';

const ENV: Record<TestDatabase['name'], string> = {
  sqlite: '',
  postgres: 'PROMO_TRACK_PG_URL',
  mysql: 'PROMO_TRACK_MYSQL_URL',
};

/**
 * The conformance suite's loop: `body` runs once per database. A server database whose URL is
 * not set shows its tests as skipped (never as passed).
 */
export function eachDatabase(body: (database: TestDatabase) => void): void {
  describe.each(databases)('$name', (database) => {
    describe.skipIf(!database.enabled)(database.enabled ? 'conformance' : `skipped: ${ENV[database.name]} is not set`, () =>
      body(database),
    );
  });
}

export interface TrackerFixture {
  tracker: Tracker;
  db: Kysely<any>;
  prefix: string;
  /** Another tracker over the same tables, with other options (no migration needed). */
  make(options?: Partial<TrackerOptions>): Tracker;
  /** Row counts of every table the library owns. */
  counts(): Promise<Record<string, number>>;
}

const DATA_TABLES = ['promo', 'track', 'share', 'visitor', 'referral', 'decision', 'webhook_message', 'rollup_day', 'rollup_scene', 'rollup_share_type', 'rollup_hour', 'rollup_hour_scene', 'rollup_hour_share_type', 'rollup_referrals', 'rollup_ref_visits', 'rollup_hour_referrals', 'rollup_hour_ref_visits'];

/**
 * A migrated tracker on an isolated database: a `:memory:` SQLite, or a unique table prefix on
 * a shared server, dropped afterwards. Migrated once per suite (DDL is slow on shared servers);
 * every test starts from empty tables, unless `emptyEachTest` is false (read-only suites that
 * share one data set).
 */
export function useTracker(
  database: TestDatabase,
  options: Partial<TrackerOptions> = {},
  { emptyEachTest = true }: { emptyEachTest?: boolean } = {},
): TrackerFixture {
  const fixture = {} as TrackerFixture;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const opened = await openTracker(database, options);
    close = opened.close;
    fixture.tracker = opened.tracker;
    fixture.db = opened.db;
    fixture.prefix = opened.prefix;
    fixture.make = (more = {}) => createTracker({ db: opened.db, salt: SALT, tablePrefix: opened.prefix, ...options, ...more });
    fixture.counts = () => countRows(opened.db, opened.prefix);
  });
  beforeEach(async () => {
    if (!emptyEachTest) return;
    await fixture.db.transaction().execute(async (trx) => {
      for (const table of DATA_TABLES) await trx.deleteFrom(fixture.prefix + table).execute();
    });
    // A new tracker for the emptied tables: the old one remembers promos deleted behind its back.
    fixture.tracker = fixture.make();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await close?.();
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
  const { rows } = await query.execute(db);
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
        ? sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ${table}`
        : sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = database() and table_name = ${table}`;
  return (await query.execute(db)).rows.map((r) => r.name).sort();
}
