import { sql, MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler } from 'kysely';
import { isUnreachable } from '../storage-errors.js';
import { migrateWithRetries, retryingTransaction } from '../retrying-transaction.js';
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
};
