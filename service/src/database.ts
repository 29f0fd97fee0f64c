import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, sql } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { withStatementCache } from '@promo-track/core';
import type { DatabaseConfig } from './config.js';
import { YieldingSqliteDialect } from './yielding-sqlite-dialect.js';

/** Opens the Kysely database the configuration names. Nothing is connected yet for PostgreSQL / MySQL. */
export function openDatabase(config: DatabaseConfig): Kysely<any> {
  switch (config.kind) {
    case 'sqlite': {
      if (config.file !== ':memory:') mkdirSync(dirname(config.file), { recursive: true });
      // A short busy timeout: the library waits for another process's write lock without blocking the event loop.
      const database = new Database(config.file, { timeout: 20 });
      // WAL: readers never wait for the writer, and a killed process loses nothing it committed.
      database.pragma('journal_mode = WAL');
      database.pragma('synchronous = FULL');
      return new Kysely({ dialect: new YieldingSqliteDialect({ database: withStatementCache(database) }) });
    }
    case 'postgres': {
      const pool = new pg.Pool({ connectionString: config.url, max: 10, connectionTimeoutMillis: 5000 });
      // pg emits 'error' when the server drops a connection (restart, pg_terminate_backend); an
      // unheard 'error' event would end the process. The query in flight fails on its own (503).
      const logLost = (error: Error) => console.error(`promo-track: database connection lost (${error.message})`);
      pool.on('error', logLost);
      pool.on('connect', (client) => client.on('error', logLost));
      return new Kysely({ dialect: new PostgresDialect({ pool }) });
    }
    case 'mysql':
      return new Kysely({
        dialect: new MysqlDialect({ pool: createPool({ uri: config.url, connectionLimit: 10, connectTimeout: 5000 }) }),
      });
  }
}

/** True when the database answers a trivial query within `timeoutMs`. */
export async function databaseAnswers(db: Kysely<any>, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      sql`select 1`.execute(db).then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The database, in words, for the start-up line (never the password). */
export function describeDatabase(config: DatabaseConfig): string {
  if (config.kind === 'sqlite') return `sqlite ${config.file}`;
  try {
    const url = new URL(config.url);
    return `${config.kind} ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return config.kind;
  }
}
