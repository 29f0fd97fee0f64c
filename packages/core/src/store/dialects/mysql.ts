import { MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler, sql } from 'kysely';
import { isUnreachable } from './unreachable.js';
import { migrateWithRetries, retryingTransaction } from './retrying-transaction.js';
import { takeSlotOrdered } from './budget-slots.js';
import { claimByLease, claimSkippingLocked } from './claims.js';
import type { Dialect } from './dialect.js';
import { isRetryable } from './server-errors.js';
import { mariadbLaterVisit, mariadbLaterVisits, mariadbVisit } from './mariadb-visit.js';
import { hasSkipLocked } from './mysql-features.js';
import { backtick } from './statements.js';

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
  quote: backtick,
  // VALUES(c) is the row proposed for insertion (MariaDB has no row alias).
  upsertTail: (_table, _key, set) =>
    ' on duplicate key update ' +
    Object.entries(set)
      .map(([c, how]) => (how === 'max' ? `${c} = greatest(${c}, values(${c}))` : `${c} = ${c} + values(${c})`))
      .join(', '),
  kysely: { adapter: MysqlAdapter, introspector: MysqlIntrospector, compiler: MysqlQueryCompiler },
  distinctUsers: sql.ref('user_id'),
  heavyReads: 4,
  write: (db, work, shortcut) => retryingTransaction(db, (db) => db.transaction(), isRetryable, work, shortcut),
  migrate: (db, run) => migrateWithRetries(() => run(db), isUnreachable),
  async claim(db, q, p) {
    return (await hasSkipLocked(db)) ? claimSkippingLocked(db, q, p) : claimByLease(db, q, p);
  },
  takeBudgetSlot: takeSlotOrdered,
  laterVisit: mariadbLaterVisit,
  // MariaDB's later visit writes them in a compound statement; MySQL records every visit in a transaction, which does.
  writesTrackMessages: true,
  laterVisits: mariadbLaterVisits,
  optimisticVisit: mariadbVisit,
};
