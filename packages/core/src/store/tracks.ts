import { type Kysely, sql } from 'kysely';
import { UnknownPromocodeError } from '../errors.js';
import type { Track, TrackType } from '../types.js';
import type { ParsedTrackInput } from '../validation.js';
import { type AttributionResult, attribute, outcomeWithoutReads } from './attribution.js';
import { ident, runCompiled } from './compiled.js';
import type { StoreContext } from './context.js';
import { insertIfAbsent, insertRow } from './insert.js';
import { isRetryable } from './transaction.js';
import { num, type TrackRow, toTrack } from './rows.js';

export interface TrackWrite {
  track: Track;
  /** False when `eventId` repeated an earlier track, which is answered instead. */
  created: boolean;
  attribution: AttributionResult | null;
}

/**
 * The owner of a promocode, read with a share lock (PostgreSQL, MySQL) so that `forgetUser`,
 * which deletes the promo first, waits for visits in flight and then sees them.
 */
export async function promoOwner(ctx: StoreContext, trx: Kysely<any>, promocode: string): Promise<number> {
  if (!ctx.codec.decode(promocode)) throw new UnknownPromocodeError(promocode);
  const row = await sql<{ user_id: number }>`select user_id from ${sql.table(ctx.t.promo)} where promocode = ${promocode}${sql.raw(ctx.d.shareLock)}`
    .execute(trx)
    .then((r) => r.rows[0]);
  if (!row) throw new UnknownPromocodeError(promocode);
  return num(row.user_id);
}

/**
 * The track an earlier call recorded under this eventId. `latest` makes it a locking read: after
 * a conflict on MySQL (REPEATABLE READ) a plain read would answer from the transaction's snapshot,
 * taken before the concurrent winner committed, and miss its row.
 */
async function trackByEvent(ctx: StoreContext, trx: Kysely<any>, userId: number, eventId: string, latest = false): Promise<Track | null> {
  const row = await trx
    .selectFrom(ctx.t.track)
    .selectAll()
    .where('user_id', '=', userId)
    .where('event_id', '=', eventId)
    .$if(latest, (q) => q.modifyEnd(sql.raw(ctx.d.shareLock)))
    .executeTakeFirst();
  return row ? toTrack(row as TrackRow) : null;
}

/** The hot path's SQL, built once per tracker (table names are fixed at creation). */
interface TrackStatements {
  /** SQLite: owner lookup, first-visit check and insert in one statement. */
  insertTrackSqlite: string;
  insertVisitorSqlite: string;
  /** PostgreSQL: a returning visitor's track and its decision in one autocommit statement. */
  returningVisitPg: string;
  /** PostgreSQL, in writeTrack's transaction: owner (share lock), visitor row and track in one statement. */
  writeTrackPg: string;
}

const statementsOf = new WeakMap<StoreContext, TrackStatements>();

function statements(ctx: StoreContext): TrackStatements {
  let q = statementsOf.get(ctx);
  if (q) return q;
  const { track, visitor, promo, decision } = ctx.t;
  q = {
    insertTrackSqlite:
      `insert into ${ident(track)} (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) ` +
      `select case when exists (select 1 from ${ident(visitor)} where user_id = ?) then 2 else 1 end, ?, ?, ?, promocode, user_id, ?, ? ` +
      `from ${ident(promo)} where promocode = ? returning id, track_type, referrer`,
    insertVisitorSqlite: `insert into ${ident(visitor)} (user_id, first_seen_at) values (?, ?)`,
    returningVisitPg:
      `with o as (select user_id from ${ident(promo)} where promocode = $1::varchar for share), ` +
      `t as (insert into ${ident(track)} (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) ` +
      `select 2, $2::varchar, $3::varchar, $4::integer, $1::varchar, o.user_id, null, $5::bigint from o ` +
      `where exists (select 1 from ${ident(visitor)} where user_id = $4::integer) returning id, referrer), ` +
      `d as (insert into ${ident(decision)} (user_id, track_id, promocode, candidate, outcome, at) ` +
      `select $4::integer, t.id, $1::varchar, t.referrer, $6::varchar, $5::bigint from t) ` +
      `select id, referrer from t`,
    writeTrackPg:
      `with o as (select user_id from ${ident(promo)} where promocode = $1::varchar for share), ` +
      `v as (insert into ${ident(visitor)} (user_id, first_seen_at) select $2::integer, $3::bigint from o ` +
      `on conflict do nothing returning user_id), ` +
      `t as (insert into ${ident(track)} (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at) ` +
      `select coalesce($4::integer, case when exists (select 1 from v) then 1 else 2 end), $5::varchar, $6::varchar, ` +
      `$2::integer, $1::varchar, o.user_id, null, $3::bigint from o returning id, track_type) ` +
      `select o.user_id as owner, exists (select 1 from v) as first_visit, t.id, t.track_type from o left join t on true`,
  };
  statementsOf.set(ctx, q);
  return q;
}

/**
 * PostgreSQL, before any transaction: a visit by someone who has visited before, with no eventId,
 * is decided by the track alone, so its track and decision go in as one statement (atomic on its
 * own, the promo read with the same share lock as writeTrack). Answers `null` when that does not
 * apply (a first visit, an unknown code, an eventId, …): then writeTrack does the whole work in a
 * transaction, and nothing was written here.
 */
export async function writeReturningVisit(ctx: StoreContext, input: ParsedTrackInput): Promise<TrackWrite | null> {
  if (ctx.d.name !== 'postgres' || input.eventId || input.trackType === 1) return null;
  if (!ctx.codec.decode(input.promocode)) throw new UnknownPromocodeError(input.promocode);
  const outcome = outcomeWithoutReads(ctx, { scene: input.scene, trackType: 2 })!;
  const now = Date.now();
  let row: { id: number; referrer: number } | undefined;
  try {
    const params = [input.promocode, input.scene, input.detail, input.userId, now, outcome];
    row = (await runCompiled<{ id: number; referrer: number }>(ctx.db, statements(ctx).returningVisitPg, params)).rows[0];
  } catch (error) {
    if (isRetryable(error)) return null;
    throw error;
  }
  if (!row) return null;
  const track: Track = {
    id: num(row.id),
    trackType: 2,
    scene: input.scene,
    detail: input.detail,
    userId: input.userId,
    promocode: input.promocode,
    referrerId: num(row.referrer),
    createdAt: new Date(now),
  };
  return { track, created: true, attribution: { outcome, binding: null } };
}

/**
 * SQLite: every write transaction is BEGIN IMMEDIATE, so they run one at a time and this one sees
 * everything committed before it. The owner's lookup, the first-visit check and the insert are
 * then one statement, race-free without the visitor row's conflict handling.
 */
async function writeTrackSqlite(ctx: StoreContext, trx: Kysely<any>, input: ParsedTrackInput): Promise<TrackWrite> {
  if (!ctx.codec.decode(input.promocode)) throw new UnknownPromocodeError(input.promocode);
  if (input.eventId) {
    const repeated = await trackByEvent(ctx, trx, input.userId, input.eventId);
    if (repeated) return { track: repeated, created: false, attribution: null };
  }
  const q = statements(ctx);
  const now = Date.now();
  const params = [input.userId, input.scene, input.detail, input.userId, input.eventId, now, input.promocode];
  const row = (await runCompiled<{ id: number; track_type: number; referrer: number }>(trx, q.insertTrackSqlite, params)).rows[0];
  if (!row) throw new UnknownPromocodeError(input.promocode);
  const trackType = num(row.track_type) as TrackType;
  const firstVisit = trackType === 1;
  if (firstVisit) await runCompiled(trx, q.insertVisitorSqlite, [input.userId, now]);
  const track: Track & { referrerId: number } = {
    id: num(row.id),
    trackType,
    scene: input.scene,
    detail: input.detail,
    userId: input.userId,
    promocode: input.promocode,
    referrerId: num(row.referrer),
    createdAt: new Date(now),
  };
  const firstSeenAt = firstVisit ? now : await visitorSince(ctx, trx, input.userId, now);
  return { track, created: true, attribution: await attribute(ctx, trx, track, firstSeenAt) };
}

/**
 * PostgreSQL, without an eventId: the steps below (owner with its share lock, the visitor row's
 * conflict-handled insert, the track) as one statement, in the same order and with the same
 * locks, in one round trip instead of three.
 */
async function writeTrackPg(ctx: StoreContext, trx: Kysely<any>, input: ParsedTrackInput): Promise<TrackWrite> {
  if (!ctx.codec.decode(input.promocode)) throw new UnknownPromocodeError(input.promocode);
  const now = Date.now();
  const params = [input.promocode, input.userId, now, input.trackType ?? null, input.scene, input.detail];
  type Row = { owner: number | null; first_visit: boolean; id: number | null; track_type: number | null };
  const row = (await runCompiled<Row>(trx, statements(ctx).writeTrackPg, params)).rows[0];
  if (!row || row.owner == null || row.id == null) throw new UnknownPromocodeError(input.promocode);
  const firstVisit = row.first_visit === true;
  const track: Track & { referrerId: number } = {
    id: num(row.id),
    trackType: num(row.track_type) as TrackType,
    scene: input.scene,
    detail: input.detail,
    userId: input.userId,
    promocode: input.promocode,
    referrerId: num(row.owner),
    createdAt: new Date(now),
  };
  const firstSeenAt = firstVisit ? now : await visitorSince(ctx, trx, input.userId, now);
  return { track, created: true, attribution: await attribute(ctx, trx, track, firstSeenAt) };
}

/** Records one visit inside the caller's transaction. */
export async function writeTrack(ctx: StoreContext, trx: Kysely<any>, input: ParsedTrackInput): Promise<TrackWrite> {
  if (ctx.d.name === 'sqlite' && input.trackType === undefined) return writeTrackSqlite(ctx, trx, input);
  if (ctx.d.name === 'postgres' && !input.eventId) return writeTrackPg(ctx, trx, input);
  const referrerId = await promoOwner(ctx, trx, input.promocode);

  if (input.eventId) {
    const repeated = await trackByEvent(ctx, trx, input.userId, input.eventId);
    if (repeated) return { track: repeated, created: false, attribution: null };
  }

  const now = Date.now();
  // The visitor row is the race-free "has this user visited before?": the unique key lets
  // exactly one of several concurrent first visits insert it.
  const firstVisit = (await insertIfAbsent(trx, ctx.d, ctx.t.visitor, { user_id: input.userId, first_seen_at: now }, 'user_id')) !== null;
  const trackType: TrackType = input.trackType ?? (firstVisit ? 1 : 2);

  const row = {
    track_type: trackType,
    scene: input.scene,
    detail: input.detail,
    user_id: input.userId,
    promocode: input.promocode,
    referrer: referrerId,
    event_id: input.eventId,
    created_at: now,
  };
  const id = input.eventId
    ? await insertIfAbsent(trx, ctx.d, ctx.t.track, row)
    : await insertRow(trx, ctx.d, ctx.t.track, row);
  if (id === null) {
    // A concurrent call with the same eventId got there first.
    const first = await trackByEvent(ctx, trx, input.userId, input.eventId!, true);
    if (!first) throw new Error('event_id conflict without a stored track');
    return { track: first, created: false, attribution: null };
  }

  const track: Track & { referrerId: number } = {
    id,
    trackType,
    scene: input.scene,
    detail: input.detail,
    userId: input.userId,
    promocode: input.promocode,
    referrerId,
    createdAt: new Date(now),
  };
  const firstSeenAt = firstVisit ? now : await visitorSince(ctx, trx, input.userId, now);
  return { track, created: true, attribution: await attribute(ctx, trx, track, firstSeenAt) };
}

async function visitorSince(ctx: StoreContext, trx: Kysely<any>, userId: number, fallback: number): Promise<number> {
  if (ctx.attribution.windowMs === null) return fallback;
  // Locking read: the row may come from a concurrent first visit committed after this snapshot.
  const row = await trx
    .selectFrom(ctx.t.visitor)
    .select('first_seen_at')
    .where('user_id', '=', userId)
    .modifyEnd(sql.raw(ctx.d.shareLock))
    .executeTakeFirst();
  return row ? num(row.first_seen_at) : fallback;
}
