import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { createTracker, type Tracker, type TrackerOptions } from '@promo-track/core';

export const PG_URL = process.env.PROMO_TRACK_PG_URL;
export const MYSQL_URL = process.env.PROMO_TRACK_MYSQL_URL;

export interface TestDatabase {
  name: 'sqlite' | 'postgres' | 'mysql';
  /** False when the server's URL is not set: its suite shows as skipped. */
  enabled: boolean;
  /** A fresh, isolated database (SQLite `:memory:`) or a fresh table prefix on a shared server. */
  open(): Promise<{ db: Kysely<any>; prefix: string; close(): Promise<void> }>;
}

export const uniquePrefix = () => `t${randomBytes(4).toString('hex')}_`;

/** Drops every table whose name starts with `prefix`. */
export async function dropTables(db: Kysely<any>, prefix: string): Promise<void> {
  // Introspection reads every table of the server, and fails when another test drops one of them
  // at that moment: try again rather than leave this test's tables behind.
  let tables: Awaited<ReturnType<typeof db.introspection.getTables>> = [];
  for (let attempt = 1; ; attempt++) {
    try {
      tables = await db.introspection.getTables({ withInternalKyselyTables: true });
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
  for (const t of tables.filter((t) => t.name.startsWith(prefix))) {
    await db.schema.dropTable(t.name).ifExists().execute();
  }
}

export function pgDb(url = PG_URL!, max = 10): Kysely<any> {
  return new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max }) }) });
}

export function mysqlDb(url = MYSQL_URL!, connectionLimit = 10): Kysely<any> {
  return new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit }) }) });
}

/** A PostgreSQL or MySQL server shared by the tests: each `open()` gets its own table prefix, dropped on close. */
export const sharedServer = (name: 'postgres' | 'mysql', url: string | undefined, make: () => Kysely<any>): TestDatabase => ({
  name,
  enabled: !!url,
  async open() {
    const db = make();
    const prefix = uniquePrefix();
    return {
      db,
      prefix,
      async close() {
        await dropTables(db, prefix).catch(() => undefined);
        await db.destroy();
      },
    };
  },
});

export const databases: TestDatabase[] = [
  {
    name: 'sqlite',
    enabled: true,
    async open() {
      const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
      return { db, prefix: '', close: () => db.destroy() };
    },
  },
  sharedServer('postgres', PG_URL, () => pgDb()),
  sharedServer('mysql', MYSQL_URL, () => mysqlDb()),
];

export const SALT = 'test-salt-0123456789';

/** A migrated tracker on a fresh database of that kind. */
export async function openTracker(
  database: TestDatabase,
  options: Partial<TrackerOptions> = {},
): Promise<{ tracker: Tracker; db: Kysely<any>; prefix: string; close(): Promise<void> }> {
  const { db, prefix, close } = await database.open();
  const tracker = createTracker({ db, salt: SALT, tablePrefix: prefix, ...options });
  await tracker.migrate();
  return { tracker, db, prefix, close };
}

/**
 * Row counts of the library's tables, to prove that a refused call wrote nothing; `decision` counts every kept decision: those of live tracks
 * (on the track row, while it names a candidate) and those of purged tracks (the decision table).
 */
export async function countRows(db: Kysely<any>, prefix: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['promo', 'track', 'share', 'visitor', 'referral', 'decision']) {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(prefix + table)}`.execute(db);
    counts[table] = Number(rows[0].n);
  }
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(prefix + 'track')} where outcome is not null and referrer is not null`.execute(db);
  counts.decision += Number(rows[0].n);
  return counts;
}
