import type { Kysely } from 'kysely';
import type { TableNames } from '../../schema/table-names.js';
import { bindingReads } from './binding-reads.js';
import type { Dialect, FirstVisitRow, VisitAnswer, VisitParams } from './dialect.js';
import {
  countsOf,
  isMoved,
  OptimisticAborted,
  rewardCountersOf,
  MOVED,
  NOTHING_READ,
  PENDING_ID_TEXT,
  PENDING_REWARD_ID_TEXT,
  PENDING_TRACK_ID_TEXT,
  TRACK_ID_KEY,
} from './optimistic-visit.js';
import { trackMessagesCte, trackMessagesParams } from './postgres-track-messages.js';
import { runStored, storedStatement } from './postgres-functions.js';
import { isRetryable } from './server-errors.js';
import { ident, TRACK_COLUMNS } from './statements.js';

/** The first statement's answer, in its order, as its function declares it (postgres-functions.ts). */
const VISIT_COLUMNS =
  'id integer, referrer integer, outcome varchar, owner integer, seen boolean, referring boolean, version bigint, ' +
  'device_at bigint, ip_at bigint, recent bigint, cluster bigint, owner_count bigint, user_count bigint, device_count bigint, ' +
  'review varchar, reward_counters json';

/**
 * PostgreSQL's visit in two statements (docs/concurrency.md, "Round trips"). The first is the
 * one-statement later visit; when the user has no visitor row it answers, instead, every fact the
 * first visit is decided on: read without locks, and only then (a one-time filter skips the reads
 * on a later visit). The second writes the first visit under the transaction path's locks, in its
 * order (promo, visitor, binding lock, referral, counters, signals).
 */
const visitSql = {
  plain: storedStatement('visit', VISIT_COLUMNS, (t) => visitText(t, false)),
  messages: storedStatement('visit_m', VISIT_COLUMNS, (t) => visitText(t, true)),
};

/** The first statement; with `messages`, the later visit it writes writes its `track.recorded` messages too. */
function visitText(t: TableNames, messages: boolean): string {
  const checks = bindingReads(t, { quote: ident, chainLock: '' }, (name) => OPERANDS[name]);
  return (
    // The promo is share-locked for a later visit's insert only: a first visit's reads lock nothing (no
    // transaction id, no commit to flush); its write locks the promo again.
    `with p as (select user_id from ${ident(t.promo)} where promocode = $1::varchar), ` +
    `o as (select user_id from ${ident(t.promo)} where promocode = $1::varchar ` +
    `and exists (select 1 from ${ident(t.visitor)} where user_id = $4::integer) for share), ` +
    `v as (select case when arrived_new = 0 then $6::varchar ` +
    `when exists (select 1 from ${ident(t.referral)} r where r.user_id = $4::integer) then $7::varchar else $8::varchar end as outcome ` +
    `from ${ident(t.visitor)} where user_id = $4::integer), ` +
    `i as (insert into ${ident(t.track)} ${TRACK_COLUMNS} select 2, $2::varchar, $3::varchar, $4::integer, $1::varchar, o.user_id, null, $5::bigint, v.outcome ` +
    `from o, v where v.outcome is not null returning id, referrer, outcome) ` +
    (messages ? `, ${trackMessagesCte(t, 'i', '$4::integer', 17)} ` : '') +
    `select /* first-visit facts */ i.id, i.referrer, i.outcome, (select user_id from p) as owner, exists (select 1 from v) as seen, f.* ` +
    `from (select 1) as one left join i on true left join lateral (select ` +
    `exists (select 1 from ${ident(t.referral)} where referrer = $4::integer) as referring, ` +
    `(select version from ${ident(t.lock)} where name = 'binding') as version, ${checks}, ` +
    `(select n from ${ident(t.abuseCounter)} where name = $12::varchar || (select user_id from p)) as owner_count, ` +
    `(select n from ${ident(t.abuseCounter)} where name = $13::varchar) as user_count, ` +
    `(select n from ${ident(t.abuseCounter)} where name = $14::varchar) as device_count, ` +
    `(select status from ${ident(t.flagReview)} where referee = $4::integer) as review, ` +
    `(select json_agg(json_build_object('rule_id', rule_id, 'user_id', user_id, 'period', period, 'facts', facts, 'entries', entries)) ` +
    `from ${ident(t.rewardCount)} where rule_id = any($15::varchar[]) and user_id in ((select user_id from p), $4::integer) ` +
    `and period = any($16::varchar[])) as reward_counters ` +
    `where not exists (select 1 from v)) as f on true`
  );
}

const OPERANDS = {
  referrer: '(select user_id from p)',
  referee: '$4::integer',
  device: '$9::varchar',
  ip: '$10::varchar',
  since: '$11::bigint',
} as const;

/**
 * The first visit's write; with `messages`, its outbox messages too, and with `rewards` its
 * binding's reward rows and messages (CTEs left out when there are none: less to plan).
 */
const firstVisitSql = {
  plain: storedStatement('first_visit', 'id integer, moved integer', (t) => firstVisitText(t, 'plain')),
  messages: storedStatement('first_visit_m', 'id integer, moved integer', (t) => firstVisitText(t, 'messages')),
  rewards: storedStatement('first_visit_r', 'id integer, moved integer', (t) => firstVisitText(t, 'rewards')),
};

type WriteShape = 'plain' | 'messages' | 'rewards';

function firstVisitText(t: TableNames, shape: WriteShape): string {
  return (
    `with o as (select user_id from ${ident(t.promo)} where promocode = $1::varchar and user_id = $2::integer for share), ` +
    `i as (insert into ${ident(t.visitor)} (user_id, first_seen_at, arrived_new) select $3::integer, $4::bigint, $5::integer from o ` +
    `on conflict do nothing returning user_id), ` +
    // With guard rows ($17), their counts are compared below; without, the lock's version is.
    `l as (update ${ident(t.lock)} set version = version + 1 where name = 'binding' and $10::boolean ` +
    `and ($17::bigint[] is not null or version = $11::bigint) and exists (select 1 from i) returning version), ` +
    `t as (insert into ${ident(t.track)} ${TRACK_COLUMNS} select $6::integer, $7::varchar, $8::varchar, $3::integer, $1::varchar, $2::integer, ` +
    `null, $4::bigint, $9::varchar from i where not $10::boolean or exists (select 1 from l) returning id), ` +
    `r as (insert into ${ident(t.referral)} (user_id, referrer, promocode, scene, track_id, bound_at) ` +
    `select $3::integer, $2::integer, $1::varchar, $7::varchar, t.id, $4::bigint from t where $10::boolean returning track_id), ` +
    `c as (insert into ${ident(t.abuseCounter)} (name, n) select c.name, c.add from t cross join unnest($12::varchar[], $16::integer[]) as c(name, add) ` +
    `on conflict (name) do update set n = ${ident(t.abuseCounter)}.n + excluded.n ` +
    `where $17::bigint[] is null or ${ident(t.abuseCounter)}.n = ($17::bigint[])[array_position($12::varchar[], excluded.name)] returning 1), ` +
    `s as (insert into ${ident(t.signal)} (user_id, kind, hash, seen_at, new_user) select $3::integer, g.kind, g.hash, $4::bigint, $15::integer ` +
    `from t cross join unnest($13::varchar[], $14::varchar[]) as g(kind, hash) on conflict (user_id, kind, hash) do update set ` +
    `seen_at = greatest(${ident(t.signal)}.seen_at, excluded.seen_at), new_user = greatest(${ident(t.signal)}.new_user, excluded.new_user) returning 1) ` +
    (shape !== 'plain'
      ? `, m as (insert into ${ident(t.webhookMessage)} (token, endpoint, type, payload, names, status, attempts, next_attempt_at, created_at) ` +
        `select x.token, x.endpoint, x.type, replace(replace(x.payload, $18::text, $19::text || t.id::text), '${PENDING_ID_TEXT}', '"id":' || t.id), ` +
        `x.names, 'pending', 0, $20::bigint, $20::bigint ` +
        `from t cross join unnest($21::varchar[], $22::varchar[], $23::varchar[], $24::text[], $25::varchar[]) as x(token, endpoint, type, payload, names) returning 1) `
      : '') +
    (shape === 'rewards' ? `, ${rewardsCtes(t)} ` : '') +
    // The visitor row was inserted but the binding lock's version, or a guard row's count, is not the
    // one read: fail the whole statement (a cast that cannot succeed), so that the visitor row goes too.
    `select (select id from t) as id, case when $10::boolean and exists (select 1 from i) and (not exists (select 1 from l) ` +
    `or (select count(*) from c) < cardinality($12::varchar[])` +
    (shape === 'rewards' ? ` or (select count(*) from rc) < json_array_length($26::text::json)` : '') +
    `) then ('${MOVED} ' || (select count(*) from i))::integer else 0 end as moved`
  );
}

/**
 * A binding's reward rows (`RewardWrites`, each set one JSON parameter read as the table's rows):
 * each counter counted only if it has the facts read ($26; a row read absent is created), then the
 * entries ($27) and decisions ($28), in their order, on the binding's track, and the entries'
 * messages ($29), each with its entry's id.
 */
function rewardsCtes(t: TableNames): string {
  const counters = ident(t.rewardCount);
  const entryColumns = ENTRY_COLUMNS.map((c) => (c === 'track_id' ? 't.id' : `e.${c}`)).join(', ');
  return (
    `rc as (insert into ${counters} (rule_id, user_id, period, facts, entries) select k.rule_id, k.user_id, k.period, k.facts + 1, k.entries ` +
    `from t cross join json_populate_recordset(null::${counters}, $26::text::json) as k where k.facts = 0 or exists (select 1 from ${counters} x ` +
    `where x.rule_id = k.rule_id and x.user_id = k.user_id and x.period = k.period) on conflict (rule_id, user_id, period) do update ` +
    `set facts = ${counters}.facts + 1, entries = ${counters}.entries + excluded.entries where ${counters}.facts = excluded.facts - 1 returning 1), ` +
    `re as (insert into ${ident(t.reward)} (${ENTRY_COLUMNS.join(', ')}) select ${entryColumns} ` +
    `from t cross join json_populate_recordset(null::${ident(t.reward)}, $27::text::json) with ordinality as e order by e.ordinality ` +
    `returning id, rule_id), ` +
    `rm as (insert into ${ident(t.webhookMessage)} (token, endpoint, type, payload, names, status, attempts, next_attempt_at, created_at) ` +
    `select x.token, x.endpoint, x.type, replace(x.payload, '${PENDING_REWARD_ID_TEXT}', '"id":' || re.id), x.names, 'pending', 0, $20::bigint, ` +
    `$20::bigint from re join json_to_recordset($29::text::json) as x(rule_id varchar, token varchar, endpoint varchar, type varchar, ` +
    `payload text, names varchar) on x.rule_id = re.rule_id returning 1), ` +
    `rd as (insert into ${ident(t.rewardDecision)} (rule_id, referrer, referee, conversion_id, track_id, outcome, nth, "at") ` +
    `select d.rule_id, d.referrer, d.referee, d.conversion_id, t.id, d.outcome, d.nth, d."at" ` +
    `from t cross join json_populate_recordset(null::${ident(t.rewardDecision)}, $28::text::json) with ordinality as d order by d.ordinality returning 1)`
  );
}

const ENTRY_COLUMNS = [
  ...['rule_id', 'user_id', 'referrer', 'referee', 'conversion_id', 'track_id', 'amount', 'currency', 'status', 'review'],
  ...['fact_at', 'payable_at', 'created_at', 'settled_at', 'replaces', 'reversal_of', 'cap_period', 'note'],
];

export const postgresTwoStatements: NonNullable<Dialect['optimisticVisit']> = {
  inTransaction: true,

  async visit(db: Kysely<any>, t: TableNames, p: VisitParams, inTransaction = false): Promise<VisitAnswer> {
    const g = p.guards ?? { ownerPrefix: '', user: '', device: '' };
    const params = [
      ...[p.promocode, p.scene, p.detail, p.userId, p.at, p.returning, p.newBound, p.newUnbound, p.device, p.ip, p.since],
      ...[g.ownerPrefix, g.user, g.device, p.rewardCounters.rules, p.rewardCounters.periods],
      ...(p.messages ? trackMessagesParams(p.messages) : []),
    ];
    type Row = {
      id: number | null;
      referrer: number;
      outcome: string;
      owner: number | null;
      seen: boolean;
      referring: boolean | null;
      version: string | null;
      device_at: unknown;
      ip_at: unknown;
      recent: unknown;
      cluster: unknown;
      owner_count: string | null;
      user_count: string | null;
      device_count: string | null;
      review: string | null;
      reward_counters: unknown;
    };
    let row: Row;
    try {
      row = (await runStored<Row>(db, t, (p.messages ? visitSql.messages : visitSql.plain)(t), params, inTransaction)).rows[0]!;
    } catch (error) {
      // A deadlock wrote nothing: as if the user had been seen, the transaction runs instead (or,
      // inside one, runs again).
      if (!inTransaction && isRetryable(error)) return NOTHING_READ;
      throw error;
    }
    if (row.id !== null) return { written: { id: Number(row.id), referrer: Number(row.referrer), outcome: row.outcome } };
    return {
      written: null,
      owner: row.owner === null ? null : Number(row.owner),
      seen: row.seen,
      referring: row.referring === true,
      version: Number(row.version ?? 0),
      counts: p.guards && row.owner !== null ? countsOf(p.guards, row.owner, row) : {},
      checks: { device_at: row.device_at, ip_at: row.ip_at, recent: row.recent ?? 0, cluster: row.cluster ?? 0 },
      rewards: { review: row.review, counters: rewardCountersOf(row.reward_counters) },
    };
  },

  async firstVisit(db: Kysely<any>, t: TableNames, w: FirstVisitRow, inTransaction = false): Promise<number | null> {
    const guards = w.binding?.guards ?? null;
    const params = [
      w.promocode,
      w.owner,
      w.userId,
      w.at,
      w.arrivedNew ? 1 : 0,
      w.trackType,
      w.scene,
      w.detail,
      w.outcome,
      w.binding !== null,
      w.binding?.version ?? 0,
      guards ? guards.map((c) => c.name) : w.counters,
      w.signals.map((s) => s.kind),
      w.signals.map((s) => s.hash),
      w.newUser ? 1 : 0,
      guards ? guards.map((c) => c.add) : w.counters.map(() => 1),
      guards ? guards.map((c) => c.count) : null,
    ];
    const shape: WriteShape = w.rewards ? 'rewards' : w.messages.length > 0 ? 'messages' : 'plain';
    if (shape !== 'plain') {
      const columns = (['token', 'endpoint', 'type', 'payload', 'names'] as const).map((column) => w.messages.map((m) => m[column]));
      params.push(PENDING_TRACK_ID_TEXT, TRACK_ID_KEY, w.messagesAt, ...columns);
    }
    if (w.rewards) {
      const { counters, entries, decisions, messages } = w.rewards;
      params.push(...[counters, entries, decisions, messages].map((rows) => JSON.stringify(rows)));
    }
    const statement = firstVisitSql[shape](t);
    try {
      const { rows } = await runStored<{ id: number | null }>(db, t, statement, params, inTransaction);
      return rows[0]?.id == null ? null : Number(rows[0].id);
    } catch (error) {
      // Inside a transaction, the failure aborted it: it runs again (without optimistic visits when a fact moved).
      if (inTransaction) throw isMoved(error) ? new OptimisticAborted(error) : error;
      // Nothing was written: the transaction decides again under its locks.
      if (isMoved(error) || isRetryable(error)) return null;
      throw error;
    }
  },
};
