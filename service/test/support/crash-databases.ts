import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';

/**
 * The databases the crash test runs the service on: SQLite (its default) always; PostgreSQL and
 * MySQL when PROMO_TRACK_PG_URL / PROMO_TRACK_MYSQL_URL are set (skipped otherwise). Each gives the
 * service a `DATABASE_URL` of its own — a fresh file, schema or database — and the test a way to
 * read it directly.
 */
export interface CrashDatabase {
  name: 'sqlite' | 'postgres' | 'mysql';
  enabled: boolean;
  open(dir: string): Promise<OpenCrashDatabase>;
}

export interface OpenCrashDatabase {
  url: string;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** `PRAGMA integrity_check` on SQLite; the servers check their own pages. */
  integrity(): Promise<string>;
  drop(): Promise<void>;
}

const PG_URL = process.env.PROMO_TRACK_PG_URL;
const MYSQL_URL = process.env.PROMO_TRACK_MYSQL_URL;
const unique = () => `crash_${randomBytes(4).toString('hex')}`;

export const crashDatabases: CrashDatabase[] = [
  {
    name: 'sqlite',
    enabled: true,
    async open(dir) {
      const file = join(dir, `${unique()}.db`);
      const read = <T>(work: (db: Database.Database) => T): T => {
        const db = new Database(file, { readonly: true });
        try {
          return work(db);
        } finally {
          db.close();
        }
      };
      return {
        url: `sqlite:${file}`,
        query: async <T>(sql: string) => read((db) => db.prepare(sql).all() as T[]),
        integrity: async () => read((db) => String(db.pragma('integrity_check', { simple: true }))),
        drop: async () => undefined,
      };
    },
  },
  {
    name: 'postgres',
    enabled: !!PG_URL,
    async open() {
      const schema = unique();
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      // The service's connections work in the schema: libpq's `options` startup parameter.
      const url = new URL(PG_URL!);
      url.searchParams.set('options', `-c search_path=${schema}`);
      await admin.query(`set search_path = ${schema}`);
      return {
        url: url.toString(),
        query: async <T>(sql: string) => (await admin.query(sql)).rows as T[],
        integrity: async () => 'ok',
        drop: async () => {
          await admin.query(`drop schema ${schema} cascade`);
          await admin.end();
        },
      };
    },
  },
  {
    name: 'mysql',
    enabled: !!MYSQL_URL,
    async open() {
      const database = unique();
      const admin = await createConnection({ uri: MYSQL_URL! });
      await admin.query(`create database ${database}`);
      await admin.query(`use ${database}`);
      const url = new URL(MYSQL_URL!);
      url.pathname = `/${database}`;
      return {
        url: url.toString(),
        query: async <T>(sql: string) => (await admin.query(sql))[0] as T[],
        integrity: async () => 'ok',
        drop: async () => {
          await admin.query(`drop database ${database}`);
          await admin.end();
        },
      };
    },
  },
];
