import { type Kysely, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Runs `work` in one transaction, again (up to 4 attempts) when the database rolled it back for a
 * deadlock or a serialization conflict. SQLite uses BEGIN IMMEDIATE: a deferred transaction that reads
 * before it writes fails with SQLITE_BUSY when another process wrote in between, instead of
 * waiting its turn.
 *
 * PostgreSQL transactions are pinned to READ COMMITTED, whatever the host's
 * `default_transaction_isolation`: the binding lock (store/attribution.ts) and `forgetUser`
 * (store/privacy.ts) rely on each statement seeing what was committed before it started. Under
 * REPEATABLE READ the whole transaction reads the snapshot of its first statement, so a cycle
 * check that waited for a concurrent binding would not see it, and both bindings would commit.
 * MySQL needs no pin: the reads those rely on there are locking reads, which see the latest
 * committed rows at any isolation level.
 */
export async function transaction<T>(db: Kysely<any>, d: Dialect, work: (trx: Kysely<any>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(db, d, work);
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

const MAX_ATTEMPTS = 4;

/**
 * Errors after which the database has rolled the whole transaction back and asks for it to be
 * run again: a deadlock (MySQL 1213, PostgreSQL 40P01), a serialization failure (PostgreSQL
 * 40001), and MariaDB's "record has changed since last read" (1020), which its
 * `innodb_snapshot_isolation` (on by default since 11.6) raises when a locking read meets a row
 * committed after the transaction's snapshot (e.g. the cycle check meeting a concurrent binding).
 * Nothing of the failed attempt was written, so running `work` again is safe.
 */
export function isRetryable(error: unknown): boolean {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown };
  return code === '40001' || code === '40P01' || errno === 1213 || errno === 1020 || code === 'ER_LOCK_DEADLOCK' || code === 'ER_CHECKREAD';
}

async function once<T>(db: Kysely<any>, d: Dialect, work: (trx: Kysely<any>) => Promise<T>): Promise<T> {
  if (d.name === 'postgres') return db.transaction().setIsolationLevel('read committed').execute(work);
  if (d.name !== 'sqlite') return db.transaction().execute(work);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    let result: T;
    try {
      result = await work(conn);
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
    await sql`commit`.execute(conn);
    return result;
  });
}
