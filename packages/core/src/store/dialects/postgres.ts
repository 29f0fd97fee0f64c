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

const claimVisitSql = perTables(
  (t) =>
    `with o as (select user_id from ${ident(t.promo)} where promocode = $1::varchar for share), ` +
    `i as (insert into ${ident(t.visitor)} (user_id, first_seen_at, arrived_new) select $2::integer, $3::bigint, $4::integer from o ` +
    `on conflict do nothing returning user_id) ` +
    `select o.user_id as owner, exists (select 1 from i) as inserted, v.first_seen_at, v.arrived_new ` +
    `from o left join ${ident(t.visitor)} v on v.user_id = $2::integer`,
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
  async claimVisit(trx, t, v) {
    type Row = { owner: number; inserted: boolean; first_seen_at: string | null; arrived_new: number | null };
    const params = [v.promocode, v.userId, v.at, v.arrivedNew ? 1 : 0];
    const row = (await trx.executeQuery<Row>(CompiledQuery.raw(claimVisitSql(t), params))).rows[0];
    if (!row) return { owner: null, visitor: null };
    const owner = Number(row.owner);
    if (row.inserted) return { owner, visitor: { firstVisit: true, arrivedNew: v.arrivedNew, firstSeenAt: v.at } };
    // The statement's snapshot predates a concurrent first visit it waited for: read that row apart.
    if (row.first_seen_at === null) return { owner, visitor: null };
    return { owner, visitor: { firstVisit: false, arrivedNew: Number(row.arrived_new) === 1, firstSeenAt: Number(row.first_seen_at) } };
  },
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
