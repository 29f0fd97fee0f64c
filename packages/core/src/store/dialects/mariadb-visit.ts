import type { Kysely } from 'kysely';
import type { TableNames } from '../../schema/table-names.js';
import { builtOnce, runCompiled } from '../compiled.js';
import { bindingReads } from './binding-reads.js';
import type { Dialect, FirstVisitRow, LaterVisitParams, RewardWrites, TrackMessages, VisitAnswer, VisitParams } from './dialect.js';
import {
  countsOf,
  isMoved,
  MOVED,
  NOTHING_READ,
  OptimisticAborted,
  PENDING_ID_TEXT,
  PENDING_REFERRER_NAME,
  PENDING_REFERRER_TEXT,
  PENDING_REWARD_ID_TEXT,
  PENDING_TRACK_ID_TEXT,
  rewardCountersOf,
  TRACK_ID_KEY,
} from './optimistic-visit.js';
import { serverFeatures } from './mysql-features.js';
import { isRetryable } from './server-errors.js';
import { backtick as quote, TRACK_COLUMNS } from './statements.js';

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

type LaterVisitRow = { id: number; referrer: number; outcome: string };

/** MySQL's `laterVisit`: one statement on MariaDB ≥ 10.5; MySQL has no INSERT … RETURNING, and there the transaction records every visit. */
export async function mariadbLaterVisit(
  db: Kysely<any>,
  t: TableNames,
  p: LaterVisitParams,
  inTransaction = false,
): Promise<LaterVisitRow | null> {
  if (!(await serverFeatures(t, db)).returning) return null;
  const params = [p.scene, p.detail, p.userId, p.at, p.returning, p.newBound, p.newUnbound, p.userId, p.promocode];
  try {
    if (p.messages) return await laterVisitWithMessages(db, t, params, p.userId, p.messages, inTransaction);
    const { rows } = await runCompiled<LaterVisitRow>(db, laterVisitSql(t), params);
    return rows[0] ?? null;
  } catch (error) {
    // Alone, a deadlock here wrote nothing: the transaction path runs instead. Inside a
    // transaction it rolled that back: the transaction runs again.
    if (!inTransaction && isRetryable(error)) return null;
    throw error;
  }
}

/**
 * A compound statement's own transaction; inside a caller's (a batch's), none: a START TRANSACTION
 * would commit the caller's. Its exit handler's ROLLBACK then rolls back the caller's, which runs again.
 */
const ownTransaction = (inTransaction: boolean) =>
  inTransaction ? { begin: '', commit: '' } : { begin: 'start transaction; ', commit: 'commit; ' };

/**
 * The later visit and its `track.recorded` messages (`TrackMessages`: those of the outcome chosen,
 * the stand-ins replaced by the track's id and referrer) as one compound statement, its own
 * transaction (`ownTransaction`): MariaDB's INSERT … RETURNING writes one table.
 */
async function laterVisitWithMessages(
  db: Kysely<any>,
  t: TableNames,
  visit: unknown[],
  userId: number,
  m: TrackMessages,
  inTransaction: boolean,
): Promise<LaterVisitRow | null> {
  const own = ownTransaction(inTransaction);
  const rows = m.rows.map(() => 'select ? as token, ? as endpoint, ? as type, ? as payload, ? as names, ? as outcome').join(' union all ');
  const text =
    'begin not atomic declare v_track bigint default null; declare v_referrer bigint default null; ' +
    'declare v_outcome varchar(32) default null; declare exit handler for sqlexception begin rollback; resignal; end; ' +
    `${own.begin}${laterVisitSql(t).replace(/ returning id, referrer, outcome$/, '')}; ` +
    `if row_count() > 0 then set v_track = last_insert_id(); ` +
    `select referrer, outcome into v_referrer, v_outcome from ${quote(t.track)} where id = v_track; ` +
    (m.rows.length > 0
      ? `insert into ${quote(t.webhookMessage)} (token, endpoint, type, payload, names, status, attempts, next_attempt_at, created_at) ` +
        `select x.token, x.endpoint, x.type, replace(replace(x.payload, '${PENDING_ID_TEXT}', concat('"id":', v_track)), ` +
        `'${PENDING_REFERRER_TEXT}', concat('"referrer":', v_referrer)), ` +
        `replace(x.names, '${PENDING_REFERRER_NAME}', if(v_referrer = ?, ',', concat(',', v_referrer, ','))), 'pending', 0, ?, ? ` +
        `from (${rows}) x where x.outcome = v_outcome; `
      : '') +
    `end if; ${own.commit}select v_track as id, v_referrer as referrer, v_outcome as outcome; end`;
  const params = [...visit];
  if (m.rows.length > 0) {
    params.push(userId, m.at, m.at);
    for (const r of m.rows) params.push(r.token, r.endpoint, r.type, r.payload, r.names, r.outcome);
  }
  // The compound statement answers two results: its final SELECT's rows, then the statement's status.
  const { rows: results } = await runCompiled<unknown>(db, text, params);
  const row = (results[0] as { id: unknown; referrer: unknown; outcome: string }[] | undefined)?.[0];
  return row?.id == null ? null : { id: Number(row.id), referrer: Number(row.referrer), outcome: row.outcome };
}

/** The later visit's statement for many visits: each visit one row of the derived table `x`, written in their order. */
function laterVisitsSql(t: TableNames, n: number): string {
  const rows = Array.from({ length: n }, (_, i) =>
    i === 0
      ? 'select ? as ord, ? as code, ? as scene, ? as detail, ? as uid, ? as at, ? as ret, ? as nb, ? as nu'
      : 'select ?, ?, ?, ?, ?, ?, ?, ?, ?',
  ).join(' union all ');
  return (
    `insert into ${quote(t.track)} ${TRACK_COLUMNS} select 2, d.scene, d.detail, d.uid, d.code, d.owner, null, d.at, d.outcome from ` +
    `(select x.ord, x.code, x.scene, x.detail, x.uid, x.at, p.user_id as owner, case when v.arrived_new = 0 then x.ret ` +
    `when exists (select 1 from ${quote(t.referral)} r where r.user_id = x.uid) then x.nb else x.nu end as outcome ` +
    `from (${rows}) x join ${quote(t.promo)} p on p.promocode = x.code join ${quote(t.visitor)} v on v.user_id = x.uid lock in share mode) d ` +
    `where d.outcome is not null order by d.ord returning id, user_id, referrer, outcome`
  );
}

/** MySQL's `laterVisits`: one statement on MariaDB ≥ 10.5 (else nothing written: each visit goes its way). */
export async function mariadbLaterVisits(trx: Kysely<any>, t: TableNames, visits: LaterVisitParams[]): Promise<(LaterVisitRow | null)[]> {
  if (visits.length === 0 || !(await serverFeatures(t, trx)).returning) return visits.map(() => null);
  const params = visits.flatMap((p, i) => [i, p.promocode, p.scene, p.detail, p.userId, p.at, p.returning, p.newBound, p.newUnbound]);
  const { rows } = await runCompiled<LaterVisitRow & { user_id: number }>(trx, laterVisitsSql(t, visits.length), params);
  const byUser = new Map(rows.map((r) => [Number(r.user_id), r]));
  return visits.map((p) => byUser.get(p.userId) ?? null);
}

/**
 * A first visit's facts, read without locks (each plain read of an autocommitted statement sees the
 * latest committed rows). The visit's values are a one-row table `a`, so each is one parameter;
 * the reward counters' rules and periods follow, as many as there are (none: not read).
 */
const factsSql = builtOnce((t: TableNames) => {
  const checks = bindingReads(t, { quote, chainLock: '' }, (name) => FACT_OPERANDS[name]);
  const head =
    `select /* first-visit facts */ p.user_id as owner, ` +
    `exists (select 1 from ${quote(t.visitor)} where user_id = a.uid) as seen, ` +
    `exists (select 1 from ${quote(t.referral)} where referrer = a.uid) as referring, ` +
    `(select version from ${quote(t.lock)} where name = 'binding') as version, ${checks}, ` +
    `(select n from ${quote(t.abuseCounter)} where name = concat(a.owner_prefix, p.user_id)) as owner_count, ` +
    `(select n from ${quote(t.abuseCounter)} where name = a.user_row) as user_count, ` +
    `(select n from ${quote(t.abuseCounter)} where name = a.device_row) as device_count, ` +
    `(select status from ${quote(t.flagReview)} where referee = a.uid) as review, `;
  const tail =
    `from (select ? as code, ? as uid, ? as device, ? as ip, ? as since, ? as owner_prefix, ? as user_row, ? as device_row) a ` +
    `left join ${quote(t.promo)} p on p.promocode = a.code`;
  const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');
  return (rules: number, periods: number) =>
    head +
    (rules === 0
      ? 'null as reward_counters '
      : `(select json_arrayagg(json_object('rule_id', rule_id, 'user_id', user_id, 'period', period, 'facts', facts, 'entries', entries)) ` +
        `from ${quote(t.rewardCount)} where rule_id in (${marks(rules)}) and user_id in (p.user_id, a.uid) ` +
        `and period in (${marks(periods)})) as reward_counters `) +
    tail;
});

const FACT_OPERANDS = { referrer: 'p.user_id', referee: 'a.uid', device: 'a.device', ip: 'a.ip', since: 'a.since' } as const;

const fail = `signal sqlstate '45000' set message_text = '${MOVED}'`;

/**
 * The first visit's write as one compound statement (`BEGIN NOT ATOMIC`, MariaDB): its own
 * transaction, taking the transaction path's locks in its order (promo, visitor, binding lock,
 * track and referral, counters, signals), and failing (rolled back, nothing kept) when a fact it was
 * decided on has moved. Built for each call: its parts depend on the write's shape.
 */
/** A first visit's message payload with its track's id: `"track_id"` of its binding's, `"id"` of its `track.recorded`. */
const withTrackId = `replace(replace(?, ?, concat(?, v_track)), '${PENDING_ID_TEXT}', concat('"id":', v_track))`;

function firstVisitSql(t: TableNames, w: FirstVisitRow, inTransaction: boolean): { text: string; params: unknown[] } {
  const own = ownTransaction(inTransaction);
  const guards = w.binding?.guards ?? null;
  const params: unknown[] = [w.promocode, w.owner, w.userId, w.at, w.arrivedNew ? 1 : 0];
  const parts = [
    `select user_id into v_owner from ${quote(t.promo)} where promocode = ? lock in share mode;`,
    `if v_owner is null or v_owner <> ? then ${fail}; end if;`,
    `insert ignore into ${quote(t.visitor)} (user_id, first_seen_at, arrived_new) values (?, ?, ?);`,
    `if row_count() = 0 then ${fail}; end if;`,
  ];
  if (w.binding) {
    // With guard rows, their counts are compared below; without, the binding lock's version is.
    if (guards) parts.push(`update ${quote(t.lock)} set version = version + 1 where name = 'binding';`);
    else {
      parts.push(
        `update ${quote(t.lock)} set version = version + 1 where name = 'binding' and version = ?;`,
        `if row_count() = 0 then ${fail}; end if;`,
      );
      params.push(w.binding.version);
    }
  }
  parts.push(`insert into ${quote(t.track)} ${TRACK_COLUMNS} values (?, ?, ?, ?, ?, ?, null, ?, ?);`, 'set v_track = last_insert_id();');
  params.push(w.trackType, w.scene, w.detail, w.userId, w.promocode, w.owner, w.at, w.outcome);
  if (w.binding) {
    parts.push(
      `insert into ${quote(t.referral)} (user_id, referrer, promocode, scene, track_id, bound_at) values (?, ?, ?, ?, v_track, ?);`,
    );
    params.push(w.userId, w.owner, w.promocode, w.scene, w.at);
  }
  const counters = quote(t.abuseCounter);
  if (guards) {
    // Each guard row locked (created at 0 if absent), its count compared with the one read, then counted.
    for (const g of guards) {
      parts.push(
        `insert into ${counters} (name, n) values (?, 0) on duplicate key update n = n;`,
        `select n into v_count from ${counters} where name = ? for update;`,
        `if v_count <> ? then ${fail}; end if;`,
      );
      params.push(g.name, g.name, g.count);
      if (g.add) {
        parts.push(`update ${counters} set n = n + ? where name = ?;`);
        params.push(g.add, g.name);
      }
    }
  } else if (w.counters.length > 0) {
    parts.push(
      `insert into ${counters} (name, n) values ${w.counters.map(() => '(?, 1)').join(', ')} on duplicate key update n = n + values(n);`,
    );
    params.push(...w.counters);
  }
  if (w.signals.length > 0) {
    parts.push(
      `insert into ${quote(t.signal)} (user_id, kind, hash, seen_at, new_user) values ${w.signals.map(() => '(?, ?, ?, ?, ?)').join(', ')} ` +
        'on duplicate key update seen_at = greatest(seen_at, values(seen_at)), new_user = greatest(new_user, values(new_user));',
    );
    for (const s of w.signals) params.push(w.userId, s.kind, s.hash, w.at, w.newUser ? 1 : 0);
  }
  if (w.messages.length > 0) {
    parts.push(
      `insert into ${quote(t.webhookMessage)} (token, endpoint, type, payload, names, status, attempts, next_attempt_at, created_at) values ` +
        w.messages.map(() => `(?, ?, ?, ${withTrackId}, ?, 'pending', 0, ?, ?)`).join(', ') +
        ';',
    );
    for (const m of w.messages)
      params.push(m.token, m.endpoint, m.type, m.payload, PENDING_TRACK_ID_TEXT, TRACK_ID_KEY, m.names, w.messagesAt, w.messagesAt);
  }
  // Last, as the transaction writes them: its messages after the visit's.
  if (w.rewards) rewardParts(t, w.rewards, w.messagesAt, parts, params);
  const text =
    'begin not atomic declare v_owner bigint default null; declare v_count bigint default null; declare v_track bigint; ' +
    'declare v_reward bigint; ' +
    // Any failure, or a fact that moved: the transaction is rolled back, and the error goes to the caller.
    'declare exit handler for sqlexception begin rollback; resignal; end; ' +
    `${own.begin}${parts.join(' ')} ${own.commit}select v_track as id; end`;
  return { text, params };
}

/**
 * A binding's reward rows (`RewardWrites`): each counter locked (created at 0 if absent), its
 * facts compared with the ones read, then counted; the entries, each followed by its messages with
 * its id, and the decisions, on the binding's track.
 */
function rewardParts(t: TableNames, r: RewardWrites, at: number, parts: string[], params: unknown[]): void {
  const counters = quote(t.rewardCount);
  const key = 'rule_id = ? and user_id = ? and period = ?';
  for (const c of r.counters) {
    parts.push(
      `insert into ${counters} (rule_id, user_id, period, facts, entries) values (?, ?, ?, 0, 0) on duplicate key update facts = facts;`,
      `select facts into v_count from ${counters} where ${key} for update;`,
      `if v_count <> ? then ${fail}; end if;`,
      `update ${counters} set facts = facts + 1, entries = entries + ? where ${key};`,
    );
    const k = [c.rule_id, c.user_id, c.period];
    params.push(...k, ...k, c.facts, c.entries, ...k);
  }
  const insert = (table: string, rows: object[]) => {
    const columns = Object.keys(rows[0]!);
    const values = columns.map((c) => (c === 'track_id' ? 'v_track' : '?')).join(', ');
    parts.push(`insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${rows.map(() => `(${values})`).join(', ')};`);
    for (const row of rows) for (const c of columns) if (c !== 'track_id') params.push((row as Record<string, unknown>)[c]);
  };
  for (const entry of r.entries) {
    insert(t.reward, [entry]);
    const messages = r.messages.filter((m) => m.rule_id === (entry as { rule_id: string }).rule_id);
    if (messages.length === 0) continue;
    parts.push(
      'set v_reward = last_insert_id();',
      `insert into ${quote(t.webhookMessage)} (token, endpoint, type, payload, names, status, attempts, next_attempt_at, created_at) values ` +
        messages
          .map(() => `(?, ?, ?, replace(?, '${PENDING_REWARD_ID_TEXT}', concat('"id":', v_reward)), ?, 'pending', 0, ?, ?)`)
          .join(', ') +
        ';',
    );
    for (const m of messages) params.push(m.token, m.endpoint, m.type, m.payload, m.names, at, at);
  }
  if (r.decisions.length > 0) insert(t.rewardDecision, r.decisions);
}

/**
 * MariaDB's optimistic visit (docs/concurrency.md, "Round trips"): the one-statement later visit;
 * for a user it could not decide, a plain read of the first visit's facts; then the first visit in
 * one compound statement. At most three statements, none waiting on the network inside a transaction.
 */
export const mariadbVisit: NonNullable<Dialect['optimisticVisit']> = {
  inTransaction: true,

  async visit(db: Kysely<any>, t: TableNames, p: VisitParams, inTransaction = false): Promise<VisitAnswer> {
    const written = await mariadbLaterVisit(db, t, p, inTransaction);
    if (written) return { written };
    // MySQL has neither the later visit's statement nor compound statements: the transaction.
    if (!(await serverFeatures(t, db)).returning) return NOTHING_READ;
    const g = p.guards ?? { ownerPrefix: '', user: '', device: '' };
    type Row = { owner: number | null; seen: number; referring: number; version: string | null } & Record<string, unknown>;
    const { rules, periods } = p.rewardCounters;
    const params = [
      ...rules,
      ...(rules.length > 0 ? periods : []),
      p.promocode,
      p.userId,
      p.device,
      p.ip,
      p.since,
      g.ownerPrefix,
      g.user,
      g.device,
    ];
    const text = factsSql(t)(rules.length, rules.length > 0 ? periods.length : 0);
    const row = (await runCompiled<Row>(db, text, params)).rows[0]!;
    return {
      written: null,
      owner: row.owner === null ? null : Number(row.owner),
      seen: Number(row.seen) === 1,
      referring: Number(row.referring) === 1,
      version: Number(row.version ?? 0),
      counts: p.guards && row.owner !== null ? countsOf(p.guards, row.owner, row) : {},
      checks: { device_at: row.device_at, ip_at: row.ip_at, recent: Number(row.recent ?? 0), cluster: Number(row.cluster ?? 0) },
      rewards: { review: (row.review as string | null) ?? null, counters: rewardCountersOf(row.reward_counters) },
    };
  },

  async firstVisit(db: Kysely<any>, t: TableNames, w: FirstVisitRow, inTransaction = false): Promise<number | null> {
    const { text, params } = firstVisitSql(t, w, inTransaction);
    try {
      // The compound statement answers two results: its final SELECT's rows, then the statement's status.
      const { rows } = await runCompiled<unknown>(db, text, params);
      const id = (rows[0] as { id: number | string | null }[] | undefined)?.[0]?.id;
      return id == null ? null : Number(id);
    } catch (error) {
      // Inside a transaction, the failure rolled it back: it runs again (without optimistic visits when a fact moved).
      if (inTransaction) throw isMoved(error) ? new OptimisticAborted(error) : error;
      // Nothing was written: the transaction decides again under its locks.
      if (isMoved(error) || isRetryable(error)) return null;
      throw error;
    }
  },
};
