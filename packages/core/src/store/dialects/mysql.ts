import { type Kysely, MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler, sql } from 'kysely';
import { isUnreachable } from '../storage-errors.js';
import { migrateWithRetries, retryingTransaction } from '../retrying-transaction.js';
import { claimByLease, claimSkippingLocked } from './claims.js';
import type { Dialect } from './dialect.js';
import { isRetryable } from './server-errors.js';

export const mysql: Dialect = {
  name: 'mysql',
  returning: false,
  serializedWrites: false,
  shareLock: ' lock in share mode',
  updateLock: ' for update',
  // REPEATABLE READ keeps the transaction's first snapshot; locking reads see the latest rows.
  chainLock: ' lock in share mode',
  intDiv: ' div ',
  transactionalDdl: false,
  numberedParameters: false,
  quote: (name) => `\`${name.replace(/`/g, '``')}\``,
  kysely: { adapter: MysqlAdapter, introspector: MysqlIntrospector, compiler: MysqlQueryCompiler },
  distinctUsers: sql.ref('user_id'),
  write: (db, work, shortcut) => retryingTransaction(db, (db) => db.transaction(), isRetryable, work, shortcut),
  migrate: (db, run) => migrateWithRetries(() => run(db), isUnreachable),
  async claimMessages(db, t, p) {
    return (await hasSkipLocked(db)) ? claimSkippingLocked(db, t, p) : claimByLease(db, t, p);
  },
};

const skipLocked = new WeakMap<Kysely<any>, Promise<boolean>>();

/** SKIP LOCKED came with MySQL 8.0.1 and MariaDB 10.6; asked once per database. */
function hasSkipLocked(db: Kysely<any>): Promise<boolean> {
  let answer = skipLocked.get(db);
  if (!answer) {
    answer = sql<{ v: string }>`select version() as v`.execute(db).then(({ rows }) => supportsSkipLocked(rows[0]?.v ?? ''));
    answer.catch(() => skipLocked.delete(db));
    skipLocked.set(db, answer);
  }
  return answer;
}

export function supportsSkipLocked(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = (/^(\d+)\.(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  const at = major * 10_000 + minor * 100 + patch;
  return /mariadb/i.test(version) ? at >= 100_600 : at >= 80_001;
}
