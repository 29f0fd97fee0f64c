import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, type MysqlPool, PostgresDialect, MysqlDialect, SqliteDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { createTracker, type Tracker } from '@promo-track/core';
import { dropTables, MYSQL_URL, PG_URL, SALT, uniquePrefix } from '../../support/databases.js';

/** A port on which nothing listens. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const withPort = (url: string, port: number) => {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
};

export interface OutageDatabase {
  /** The app's tracker, over a database that `down()` takes away and `up()` brings back. */
  tracker: Tracker;
  /** A separate connection to the same tables, to count rows while the app's is gone. */
  observer: Kysely<any>;
  prefix: string;
  down(): Promise<void>;
  up(): Promise<void>;
  /** PostgreSQL only: kills the app's server connections (`pg_terminate_backend`). */
  terminateBackends?(): Promise<void>;
  close(): Promise<void>;
}

const APP_NAME = 'promo-track-outage-test';

/**
 * The app's Kysely goes through a pool (or database handle) that can be pointed elsewhere:
 * PostgreSQL and MySQL at a closed port, SQLite at a closed handle on its file.
 */
export async function openOutageDatabase(name: 'sqlite' | 'postgres' | 'mysql'): Promise<OutageDatabase> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'promo-track-outage-'));
    const file = join(dir, 'db.sqlite');
    let handle = new Database(file);
    const db = new Kysely<any>({
      dialect: new SqliteDialect({ database: { prepare: (text) => handle.prepare(text), close: () => handle.close() } }),
    });
    const observer = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    const tracker = createTracker({ db, salt: SALT });
    await tracker.migrate();
    return {
      tracker,
      observer,
      prefix: '',
      async down() {
        handle.close();
      },
      async up() {
        handle = new Database(file);
      },
      async close() {
        await db.destroy().catch(() => undefined);
        await observer.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  const prefix = uniquePrefix();
  const deadPort = await closedPort();
  let db: Kysely<any>;
  let observer: Kysely<any>;
  let switchTo: (working: boolean) => void;
  let terminateBackends: (() => Promise<void>) | undefined;
  if (name === 'postgres') {
    const working = new pg.Pool({ connectionString: PG_URL, max: 4, application_name: APP_NAME });
    const broken = new pg.Pool({ connectionString: withPort(PG_URL!, deadPort), max: 4, connectionTimeoutMillis: 2000 });
    // pg emits a killed connection's error on the client (idle or checked out): a host must listen.
    working.on('error', () => undefined);
    working.on('connect', (client) => client.on('error', () => undefined));
    let current = working;
    switchTo = (up) => void (current = up ? working : broken);
    db = new Kysely<any>({
      dialect: new PostgresDialect({
        pool: { connect: () => current.connect(), end: async () => void (await Promise.all([working.end(), broken.end()])) },
      }),
    });
    observer = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, max: 2 }) }) });
    terminateBackends = async () => {
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${APP_NAME} and pid <> pg_backend_pid()`.execute(
        observer,
      );
    };
  } else {
    const working = createPool({ uri: MYSQL_URL!, connectionLimit: 4 });
    const broken = createPool({ uri: withPort(MYSQL_URL!, deadPort), connectionLimit: 4, connectTimeout: 2000 });
    let current = working;
    switchTo = (up) => void (current = up ? working : broken);
    const pool: MysqlPool = {
      getConnection: (callback) => current.getConnection(callback),
      end: (callback) => working.end(() => broken.end(callback)),
    };
    db = new Kysely<any>({ dialect: new MysqlDialect({ pool }) });
    observer = new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ uri: MYSQL_URL!, connectionLimit: 2 }) }) });
  }
  const tracker = createTracker({ db, salt: SALT, tablePrefix: prefix });
  await tracker.migrate();
  return {
    tracker,
    observer,
    prefix,
    terminateBackends,
    down: async () => switchTo(false),
    up: async () => switchTo(true),
    async close() {
      await dropTables(observer, prefix).catch(() => undefined);
      await db.destroy().catch(() => undefined);
      await observer.destroy();
    },
  };
}
