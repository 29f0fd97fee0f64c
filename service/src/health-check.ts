import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import type { DatabaseConfig } from './config.js';
import { databaseAnswers } from './database.js';

export interface HealthCheck {
  /** True when the database answers a trivial query within 2 s. */
  answers(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * `/healthz`'s own connection to the database, so that its answer never waits in line behind the
 * requests' queries (a flood of `/stats` fills the pool, and SQLite's one connection). An
 * in-memory SQLite database can only be reached through `db`.
 */
export function openHealthCheck(config: DatabaseConfig, db: Kysely<any>): HealthCheck {
  if (config.kind === 'sqlite') {
    if (config.file === ':memory:') return { answers: () => databaseAnswers(db), close: async () => undefined };
    // WAL: a reader never waits for the writer; the short timeout bounds how long a busy file blocks.
    const handle = new Database(config.file, { fileMustExist: true, timeout: 50 });
    const probe = handle.prepare('select count(*) from sqlite_master');
    return {
      answers: async () => {
        try {
          probe.get();
          return true;
        } catch {
          return false;
        }
      },
      close: async () => void handle.close(),
    };
  }
  const probe =
    config.kind === 'postgres'
      ? new Kysely<any>({
          dialect: new PostgresDialect({
            pool: quiet(new pg.Pool({ connectionString: config.url, max: 1, connectionTimeoutMillis: 2000 })),
          }),
        })
      : new Kysely<any>({ dialect: new MysqlDialect({ pool: createPool({ uri: config.url, connectionLimit: 1, connectTimeout: 2000 }) }) });
  let closing: Promise<void> | undefined;
  return {
    answers: () => (closing ? Promise.resolve(false) : databaseAnswers(probe)),
    close: () => (closing ??= probe.destroy()),
  };
}

/** A dropped idle connection is reported by the next check's failure, not by an unheard 'error' event. */
function quiet(pool: pg.Pool): pg.Pool {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
