import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, type KyselyConfig, MysqlAdapter, MysqlDialect, PostgresAdapter, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import { PostgresJSDialect } from 'kysely-postgres-js';
import pg from 'pg';
import postgres from 'postgres';
import { createTracker, type Tracker, type TrackerOptions } from '@promo-track/core';

export const PG_URL = process.env.PROMO_TRACK_PG_URL;
export const MYSQL_URL = process.env.PROMO_TRACK_MYSQL_URL;
/** The same PostgreSQL as PG_URL, reached through Postgres.js (`kysely-postgres-js`) instead of pg. */
export const PGJS_URL = process.env.PROMO_TRACK_PGJS_URL;
/** A pgbouncer in transaction pooling mode in front of that PostgreSQL (.ci/pgbouncer.sh), reached through pg. */
export const PGBOUNCER_URL = process.env.PROMO_TRACK_PGBOUNCER_URL;

export interface TestDatabase {
  /** The database; dialect-specific expectations ask this, whatever the driver. */
  name: 'sqlite' | 'postgres' | 'mysql';
  /** The suite's title: the database, and how it is reached when that is not its default driver ('postgres (postgres.js)'). */
  label: string;
  /** Reached directly through its default driver (better-sqlite3, pg, mysql2). */
  defaultDriver: boolean;
  /** The variable whose URL enables it ('' for SQLite). */
  env: string;
  /** False when the server's URL is not set: its suite shows as skipped. */
  enabled: boolean;
  /** A fresh, isolated database (SQLite `:memory:`) or a fresh table prefix on a shared server. */
  open(): Promise<{ db: Kysely<any>; prefix: string; close(): Promise<void> }>;
  /** A new pool of its own, through this entry's driver (server databases only). */
  connect?(options?: ConnectOptions): Kysely<any>;
  /**
   * Settings given when a session starts reach the server (`ConnectOptions.settings`); not behind
   * pgbouncer's transaction pooling, which takes no startup options (a host sets them on the role).
   */
  sessionSettings: boolean;
}

export interface ConnectOptions {
  /** The pool's size (10 by default). */
  max?: number;
  log?: KyselyConfig['log'];
  /** PostgreSQL settings of every session of the pool (`search_path`, `default_transaction_isolation`). */
  settings?: Record<string, string>;
}

export const uniquePrefix = () => `t${randomBytes(4).toString('hex')}_`;

/**
 * Drops every table whose name starts with `prefix`. Lists them by name alone (`pg_tables`,
 * `information_schema.tables`): Kysely's introspection resolves every table of the schema and fails
 * on one that another test file drops at that moment.
 */
export async function dropTables(db: Kysely<any>, prefix: string): Promise<void> {
  const adapter = db.getExecutor().adapter;
  const names =
    adapter instanceof PostgresAdapter
      ? sql<{ name: string }>`select tablename as name from pg_tables where schemaname = current_schema()`
      : adapter instanceof MysqlAdapter
        ? sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = database()`
        : sql<{ name: string }>`select name from sqlite_master where type = 'table'`;
  const { rows } = await readingCatalog(() => names.execute(db));
  for (const { name } of rows.filter((t) => t.name.startsWith(prefix))) {
    await db.schema.dropTable(name).ifExists().execute();
  }
  // PostgreSQL's stored statements, functions named after the prefix.
  if (adapter instanceof PostgresAdapter && prefix) {
    const functions = await sql<{ signature: string }>`select oid::regprocedure::text as signature from pg_proc
      where pronamespace = current_schema()::regnamespace and starts_with(proname, ${prefix})`.execute(db);
    for (const { signature } of functions.rows) await sql.raw(`drop function if exists ${signature}`).execute(db);
  }
}

/** The error of a catalog read that met a table (or schema) another test file was dropping at that moment. */
export const droppedMeanwhile = (error: unknown): boolean => /does not exist/.test(String((error as Error | undefined)?.message));

/**
 * A read of the server's catalog (Kysely's introspection, `information_schema`), tried again up to 10
 * times when it meets a table another test file drops at that moment: PostgreSQL's catalog views
 * look at every table they pass, not only the ones asked for.
 */
export async function readingCatalog<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= 10 || !droppedMeanwhile(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

export function pgDb(url = PG_URL!, max = 10, { log, settings = {} }: ConnectOptions = {}): Kysely<any> {
  const options = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value.replace(/ /g, '\\ ')}`)
    .join(' ');
  return new Kysely({
    log,
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max, ...(options ? { options } : {}) }) }),
  });
}

/** A Kysely over Postgres.js, as a host that picked it over pg would make one. */
export function pgjsDb(url = PGJS_URL!, max = 10, { log, settings = {} }: ConnectOptions = {}): Kysely<any> {
  // Postgres.js prints the server's notices ("relation … already exists, skipping") unless told otherwise.
  const client = postgres(url, { max, onnotice: () => undefined, connection: settings });
  return new Kysely({ log, dialect: new PostgresJSDialect({ postgres: client }) });
}

export function mysqlDb(url = MYSQL_URL!, connectionLimit = 10, { log }: Pick<ConnectOptions, 'log'> = {}): Kysely<any> {
  return new Kysely({ log, dialect: new MysqlDialect({ pool: createPool({ uri: url, connectionLimit }) }) });
}

/** `open()` on a shared server: a new pool from `make`, with a fresh table prefix, its tables dropped on close. */
export const openPrefixed = (make: () => Kysely<any>) => async () => {
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
};

/** A PostgreSQL or MySQL server shared by the tests: each `open()` gets its own table prefix, dropped on close. */
export const sharedServer = (
  name: 'postgres' | 'mysql',
  url: string | undefined,
  connect: (options?: ConnectOptions) => Kysely<any>,
  via?: { label: string; env: string; sessionSettings?: boolean },
): TestDatabase => ({
  name,
  label: via?.label ?? name,
  defaultDriver: !via,
  env: via?.env ?? (name === 'postgres' ? 'PROMO_TRACK_PG_URL' : 'PROMO_TRACK_MYSQL_URL'),
  enabled: !!url,
  connect,
  sessionSettings: via?.sessionSettings ?? true,
  open: openPrefixed(() => connect()),
});

const noSettings = (settings: ConnectOptions['settings']) => {
  if (settings && Object.keys(settings).length > 0) throw new Error('pgbouncer passes no session settings: ask `sessionSettings` first');
  return undefined;
};

export const databases: TestDatabase[] = [
  {
    name: 'sqlite',
    label: 'sqlite',
    defaultDriver: true,
    env: '',
    enabled: true,
    sessionSettings: false,
    async open() {
      const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
      return { db, prefix: '', close: () => db.destroy() };
    },
  },
  sharedServer('postgres', PG_URL, (o) => pgDb(PG_URL, o?.max, o)),
  sharedServer('postgres', PGJS_URL, (o) => pgjsDb(PGJS_URL, o?.max, o), { label: 'postgres (postgres.js)', env: 'PROMO_TRACK_PGJS_URL' }),
  sharedServer('postgres', PGBOUNCER_URL, (o) => pgDb(PGBOUNCER_URL, o?.max, { ...o, settings: noSettings(o?.settings) }), {
    label: 'postgres (pg through pgbouncer, transaction pooling)',
    env: 'PROMO_TRACK_PGBOUNCER_URL',
    sessionSettings: false,
  }),
  sharedServer('mysql', MYSQL_URL, (o) => mysqlDb(MYSQL_URL, o?.max, o)),
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
  const { rows } = await sql<{
    n: number | string;
  }>`select count(*) as n from ${sql.table(prefix + 'track')} where outcome is not null and referrer is not null`.execute(db);
  counts.decision += Number(rows[0].n);
  return counts;
}
