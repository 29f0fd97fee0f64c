import { type Kysely, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Runs `work` in one transaction. SQLite uses BEGIN IMMEDIATE: a deferred transaction that reads
 * before it writes fails with SQLITE_BUSY when another process wrote in between, instead of
 * waiting its turn.
 */
export async function transaction<T>(db: Kysely<any>, d: Dialect, work: (trx: Kysely<any>) => Promise<T>): Promise<T> {
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
