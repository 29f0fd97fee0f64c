import { type Kysely, MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler, sql } from 'kysely';
import type { TableNames } from '../../schema/table-names.js';
import { builtOnce, runCompiled } from '../compiled.js';
import { isUnreachable } from './unreachable.js';
import { migrateWithRetries, retryingTransaction } from './retrying-transaction.js';
import { takeSlotOrdered } from './budget-slots.js';
import { claimByLease, claimSkippingLocked } from './claims.js';
import type { Dialect } from './dialect.js';
import { isRetryable } from './server-errors.js';
import { TRACK_COLUMNS } from './statements.js';

const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * The one-statement later visit (MariaDB ≥ 10.5: INSERT … SELECT … RETURNING). Every read of an
 * INSERT … SELECT is a locking read (shared), so it sees the latest committed rows and holds the
 * promo against `forgetUser`, as the transaction's share lock does (docs/concurrency.md).
 */
const laterVisitSql = builtOnce(
  (t: TableNames) =>
    `insert into ${quote(t.track)} ${TRACK_COLUMNS} select 2, ?, ?, ?, p.promocode, p.user_id, null, ?, o.outcome ` +
    `from ${quote(t.promo)} p, (select case when v.arrived_new = 0 then ? ` +
    `when exists (select 1 from ${quote(t.referral)} r where r.user_id = v.user_id) then ? else ? end as outcome ` +
    `from ${quote(t.visitor)} v where v.user_id = ? lock in share mode) o ` +
    `where p.promocode = ? and o.outcome is not null lock in share mode returning id, referrer, outcome`,
);

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
  quote,
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
  async laterVisit(db: Kysely<any>, t, p, inTransaction = false) {
    // MySQL has no INSERT … RETURNING: there the transaction records every visit.
    if (!(await version(t, db)).returning) return null;
    const params = [p.scene, p.detail, p.userId, p.at, p.returning, p.newBound, p.newUnbound, p.userId, p.promocode];
    try {
      const { rows } = await runCompiled<{ id: number; referrer: number; outcome: string }>(db, laterVisitSql(t), params);
      return rows[0] ?? null;
    } catch (error) {
      // Alone, a deadlock here wrote nothing: the transaction path runs instead. Inside a
      // transaction it rolled that back: the transaction runs again.
      if (!inTransaction && isRetryable(error)) return null;
      throw error;
    }
  },
};

interface ServerFeatures {
  skipLocked: boolean;
  /** INSERT … RETURNING (MariaDB 10.5; not MySQL). */
  returning: boolean;
}
const features = new WeakMap<object, Promise<ServerFeatures>>();

/**
 * What the server supports, from its version; asked once per `key`: a Kysely instance, or a
 * tracker's table names where the caller may hold a transaction (a new Kysely object each time).
 */
function version(key: object, db: Kysely<any>): Promise<ServerFeatures> {
  let answer = features.get(key);
  if (!answer) {
    answer = sql<{ v: string }>`select version() as v`.execute(db).then(({ rows }) => {
      const v = rows[0]?.v ?? '';
      return { skipLocked: supportsSkipLocked(v), returning: supportsInsertReturning(v) };
    });
    answer.catch(() => features.delete(key));
    features.set(key, answer);
  }
  return answer;
}

const hasSkipLocked = async (db: Kysely<any>) => (await version(db, db)).skipLocked;

const versionNumber = (version: string) => {
  const [major = 0, minor = 0, patch = 0] = (/^(\d+)\.(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  return major * 10_000 + minor * 100 + patch;
};

export function supportsInsertReturning(version: string): boolean {
  return /mariadb/i.test(version) && versionNumber(version) >= 100_500;
}

export function supportsSkipLocked(version: string): boolean {
  const at = versionNumber(version);
  return /mariadb/i.test(version) ? at >= 100_600 : at >= 80_001;
}
