import { type Kysely, sql, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { TableNames } from '../../schema/table-names.js';
import { builtOnce, runCompiled } from '../compiled.js';
import { isUnreachable } from './unreachable.js';
import { migrateWithRetries, retryingTransaction } from './retrying-transaction.js';
import { takeSlotInOneStatement } from './budget-slots.js';
import { claimInOneStatement } from './claims.js';
import type { Dialect } from './dialect.js';
import { isRetryable } from './server-errors.js';
import { ident, TRACK_COLUMNS } from './statements.js';
import { migrateUnderTransactionLock } from './transaction-migration-lock.js';
import { postgresTwoStatements } from './postgres-two-statements.js';
import { trackMessagesCte, trackMessagesParams } from './postgres-track-messages.js';
import { findFunctions, installFunctions, runStored, storedStatement } from './postgres-functions.js';

/** The later visit in one statement; with `messages`, its `track.recorded` messages too (postgres-track-messages.ts). */
function laterVisitText(t: TableNames, messages: boolean): string {
  return (
    `with o as (select user_id from ${ident(t.promo)} where promocode = $1::varchar for share), ` +
    `v as (select case when arrived_new = 0 then $6::varchar ` +
    `when exists (select 1 from ${ident(t.referral)} r where r.user_id = $4::integer) then $7::varchar else $8::varchar end as outcome ` +
    `from ${ident(t.visitor)} where user_id = $4::integer), ` +
    `i as (insert into ${ident(t.track)} ${TRACK_COLUMNS} select 2, $2::varchar, $3::varchar, $4::integer, $1::varchar, o.user_id, null, $5::bigint, v.outcome ` +
    `from o, v where v.outcome is not null returning id, referrer, outcome)` +
    (messages ? `, ${trackMessagesCte(t, 'i', '$4::integer', 9)}` : '') +
    ` select id, referrer, outcome from i`
  );
}

const LATER_VISIT_COLUMNS = 'id integer, referrer integer, outcome varchar';
const laterVisitSql = {
  plain: storedStatement('later_visit', LATER_VISIT_COLUMNS, (t) => laterVisitText(t, false)),
  messages: storedStatement('later_visit_m', LATER_VISIT_COLUMNS, (t) => laterVisitText(t, true)),
};

/** The later visit's statement for many visits (one row each of the parameter arrays), written in their order. */
const laterVisitsSql = builtOnce(
  (t: TableNames) =>
    `with x as (select * from unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::integer[], $5::bigint[], $6::varchar[], $7::varchar[], $8::varchar[]) ` +
    `with ordinality as x(code, scene, detail, uid, at, ret, nb, nu, ord)), ` +
    `o as (select promocode, user_id from ${ident(t.promo)} where promocode in (select code from x) for share), ` +
    `d as (select x.ord, x.code, x.scene, x.detail, x.uid, x.at, o.user_id as owner, case when v.arrived_new = 0 then x.ret ` +
    `when exists (select 1 from ${ident(t.referral)} r where r.user_id = x.uid) then x.nb else x.nu end as outcome ` +
    `from x join o on o.promocode = x.code join ${ident(t.visitor)} v on v.user_id = x.uid) ` +
    `insert into ${ident(t.track)} ${TRACK_COLUMNS} select 2, d.scene, d.detail, d.uid, d.code, d.owner, null, d.at, d.outcome ` +
    `from d where d.outcome is not null order by d.ord returning id, user_id, referrer, outcome`,
);

/**
 * Owner (share-locked), the visitor row inserted when absent and, for a new user's first visit through
 * someone else's code (one that may bind), the binding lock, in one round trip. The lock is taken after the
 * visitor row, in the order of docs/concurrency.md; the reads that decide the binding are later
 * statements, whose snapshots follow the lock (READ COMMITTED).
 */
const claimVisitSql = builtOnce(
  (t: TableNames) =>
    `with o as (select user_id from ${ident(t.promo)} where promocode = $1::varchar for share), ` +
    `i as (insert into ${ident(t.visitor)} (user_id, first_seen_at, arrived_new) select $2::integer, $3::bigint, $4::integer from o ` +
    `on conflict do nothing returning user_id), ` +
    `l as (update ${ident(t.lock)} set version = version + 1 where name = 'binding' and $4::integer = 1 and exists (select 1 from i) ` +
    `and exists (select 1 from o where o.user_id <> $2::integer) returning name) ` +
    `select o.user_id as owner, exists (select 1 from i) as inserted, exists (select 1 from l) as locked, v.first_seen_at, v.arrived_new ` +
    `from o left join ${ident(t.visitor)} v on v.user_id = $2::integer`,
);

/** A track and the binding it makes, in one statement (a new binding, no eventId). */
const boundTrackSql = builtOnce(
  (t: TableNames) =>
    `with t as (insert into ${ident(t.track)} ${TRACK_COLUMNS} values ($1::integer, $2::varchar, $3::varchar, $4::integer, $5::varchar, ` +
    `$6::integer, null, $7::bigint, $8::varchar) returning id) ` +
    `insert into ${ident(t.referral)} (user_id, referrer, promocode, scene, track_id, bound_at) ` +
    `select $4::integer, $6::integer, $5::varchar, $2::varchar, t.id, $7::bigint from t returning track_id`,
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
  upsertTail: (table, key, set) =>
    ` on conflict (${key.join(', ')}) do update set ` +
    Object.entries(set)
      .map(
        ([c, how]) => `${c} = ${how === 'max' ? `greatest(${ident(table)}.${c}, excluded.${c})` : `${ident(table)}.${c} + excluded.${c}`}`,
      )
      .join(', '),
  kysely: { adapter: PostgresAdapter, introspector: PostgresIntrospector, compiler: PostgresQueryCompiler },
  distinctUsers: sql.ref('user_id'),
  heavyReads: 4,
  write: (db, work, shortcut) =>
    // Pinned to READ COMMITTED whatever the server's default: the binding lock relies on it (docs/concurrency.md).
    retryingTransaction(db, (db) => db.transaction().setIsolationLevel('read committed'), isRetryable, work, shortcut),
  // One transaction under a transaction-level lock: nothing of it outlives the transaction (pgbouncer).
  migrate: (db, run) => migrateWithRetries(() => migrateUnderTransactionLock(db, run), isUnreachable),
  async migrationSchema(db) {
    const { rows } = await sql<{ s: string | null }>`select current_schema() as s`.execute(db);
    return rows[0]?.s ?? undefined;
  },
  storedStatements: { install: installFunctions, find: findFunctions },
  claim: (db, q, p) => claimInOneStatement(db, q, p, ' for update skip locked'),
  takeBudgetSlot: (db, t, p) => takeSlotInOneStatement(db, t, p, ' for update skip locked'),
  async claimVisit(trx, t, v) {
    type Row = { owner: number; inserted: boolean; locked: boolean; first_seen_at: string | null; arrived_new: number | null };
    const params = [v.promocode, v.userId, v.at, v.arrivedNew ? 1 : 0];
    const row = (await runCompiled<Row>(trx, claimVisitSql(t), params)).rows[0];
    if (!row) return { owner: null, visitor: null };
    const owner = Number(row.owner);
    if (row.inserted) return { owner, visitor: { firstVisit: true, arrivedNew: v.arrivedNew, firstSeenAt: v.at }, locked: row.locked };
    // The statement's snapshot predates a concurrent first visit it waited for: read that row apart.
    if (row.first_seen_at === null) return { owner, visitor: null };
    return { owner, visitor: { firstVisit: false, arrivedNew: Number(row.arrived_new) === 1, firstSeenAt: Number(row.first_seen_at) } };
  },
  async laterVisit(db: Kysely<any>, t, p, inTransaction = false) {
    const params: unknown[] = [p.promocode, p.scene, p.detail, p.userId, p.at, p.returning, p.newBound, p.newUnbound];
    if (p.messages) params.push(...trackMessagesParams(p.messages));
    try {
      // Alone, as its function; in a transaction, whose failure could not be sent again as text, as text.
      const statement = (p.messages ? laterVisitSql.messages : laterVisitSql.plain)(t);
      type Row = { id: number; referrer: number; outcome: string };
      const { rows } = inTransaction ? await runCompiled<Row>(db, statement.text, params) : await runStored<Row>(db, t, statement, params);
      return rows[0] ?? null;
    } catch (error) {
      // Alone, a deadlock here wrote nothing: the transaction path runs instead. Inside a
      // transaction it rolled that back: the transaction runs again.
      if (!inTransaction && isRetryable(error)) return null;
      throw error;
    }
  },
  async laterVisits(trx, t, visits) {
    const column = (pick: (p: (typeof visits)[number]) => unknown) => visits.map(pick);
    const params = [
      column((p) => p.promocode),
      column((p) => p.scene),
      column((p) => p.detail),
      column((p) => p.userId),
      column((p) => p.at),
      column((p) => p.returning),
      column((p) => p.newBound),
      column((p) => p.newUnbound),
    ];
    type Row = { id: number; user_id: number; referrer: number; outcome: string };
    const { rows } = await runCompiled<Row>(trx, laterVisitsSql(t), params);
    const byUser = new Map(rows.map((r) => [Number(r.user_id), r]));
    return visits.map((p) => byUser.get(p.userId) ?? null);
  },
  writesTrackMessages: true,
  optimisticVisit: postgresTwoStatements,
  async insertBoundTrack(trx, t, r) {
    const params = [r.track_type, r.scene, r.detail, r.user_id, r.promocode, r.referrer, r.created_at, r.outcome];
    const { rows } = await runCompiled<{ track_id: number }>(trx, boundTrackSql(t), params);
    return Number(rows[0]!.track_id);
  },
};
