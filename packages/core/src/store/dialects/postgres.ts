import { CompiledQuery, type Kysely, sql, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { isUnreachable } from '../storage-errors.js';
import { migrateWithRetries, retryingTransaction } from '../retrying-transaction.js';
import { claimInOneStatement } from './claims.js';
import type { Dialect } from './dialect.js';
import { isRetryable } from './server-errors.js';
import { ident, perTables, TRACK_COLUMNS } from './statements.js';

const laterVisitSql = perTables(
  (t) =>
    `with o as (select user_id from ${ident(t.promo)} where promocode = $1::varchar for share), ` +
    `v as (select case when arrived_new = 0 then $6::varchar ` +
    `when exists (select 1 from ${ident(t.referral)} r where r.user_id = $4::integer) then $7::varchar else $8::varchar end as outcome ` +
    `from ${ident(t.visitor)} where user_id = $4::integer) ` +
    `insert into ${ident(t.track)} ${TRACK_COLUMNS} select 2, $2::varchar, $3::varchar, $4::integer, $1::varchar, o.user_id, null, $5::bigint, v.outcome ` +
    `from o, v where v.outcome is not null returning id, referrer, outcome`,
);

export const postgres: Dialect = {
  name: 'postgres',
  returning: true,
  serializedWrites: false,
  shareLock: ' for share',
  updateLock: ' for update',
  // READ COMMITTED: each statement already sees what was committed before it.
  chainLock: '',
  intDiv: '/',
  transactionalDdl: true,
  numberedParameters: true,
  quote: (name) => `"${name.replace(/"/g, '""')}"`,
  kysely: { adapter: PostgresAdapter, introspector: PostgresIntrospector, compiler: PostgresQueryCompiler },
  distinctUsers: sql.ref('user_id'),
  write: (db, work, shortcut) =>
    // Pinned to READ COMMITTED whatever the server's default: the binding lock relies on it (docs/concurrency.md).
    retryingTransaction(db, (db) => db.transaction().setIsolationLevel('read committed'), isRetryable, work, shortcut),
  migrate: (db, run) => migrateWithRetries(() => run(db), isUnreachable),
  async migrationSchema(db) {
    const { rows } = await sql<{ s: string | null }>`select current_schema() as s`.execute(db);
    return rows[0]?.s ?? undefined;
  },
  claimMessages: (db, t, p) => claimInOneStatement(db, t, p, ' for update skip locked'),
  async laterVisit(db: Kysely<any>, t, p) {
    const params = [p.promocode, p.scene, p.detail, p.userId, p.at, p.returning, p.newBound, p.newUnbound];
    try {
      const { rows } = await db.executeQuery<{ id: number; referrer: number; outcome: string }>(CompiledQuery.raw(laterVisitSql(t), params));
      return rows[0] ?? null;
    } catch (error) {
      // A deadlock here wrote nothing: the transaction path runs instead.
      if (isRetryable(error)) return null;
      throw error;
    }
  },
};
