import type { Kysely } from 'kysely';
import { UnknownPromocodeError } from '../errors.js';
import type { ParsedTrackInput } from '../validation.js';
import { outcomeWithoutReads } from './attribution.js';
import { ident, runCompiled } from './compiled.js';
import type { StoreContext } from './context.js';
import { attributeVisit, visitRecord } from './visit-record.js';
import { isRetryable } from './transaction.js';
import type { TrackWrite } from './tracks.js';

const postgresStatements = new WeakMap<StoreContext, { returningVisit: string; writeTrack: string }>();

/** SQL built once per tracker (table names are fixed at creation). */
function statements(ctx: StoreContext) {
  let q = postgresStatements.get(ctx);
  if (q) return q;
  const { track, visitor, promo } = ctx.t;
  const columns = `${ident(track)} (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at, outcome)`;
  q = {
    /** A returning visitor's track, with its decided outcome, in one autocommit statement. */
    returningVisit:
      `with o as (select user_id from ${ident(promo)} where promocode = $1::varchar for share) ` +
      `insert into ${columns} select 2, $2::varchar, $3::varchar, $4::integer, $1::varchar, o.user_id, null, $5::bigint, $6::varchar from o ` +
      `where exists (select 1 from ${ident(visitor)} where user_id = $4::integer) returning id, referrer`,
    /** In writeTrack's transaction: owner (share lock), visitor row and track in one statement. */
    writeTrack:
      `with o as (select user_id from ${ident(promo)} where promocode = $1::varchar for share), ` +
      `v as (insert into ${ident(visitor)} (user_id, first_seen_at) select $2::integer, $3::bigint from o ` +
      `on conflict do nothing returning user_id), ` +
      `k as (select coalesce($4::integer, case when exists (select 1 from v) then 1 else 2 end) as track_type), ` +
      `t as (insert into ${columns} ` +
      `select k.track_type, $5::varchar, $6::varchar, $2::integer, $1::varchar, o.user_id, null, $3::bigint, ` +
      `coalesce($7::varchar, case when k.track_type <> 1 then 'returning_user' end) from o, k returning id, track_type) ` +
      `select o.user_id as owner, exists (select 1 from v) as first_visit, t.id, t.track_type from o left join t on true`,
  };
  postgresStatements.set(ctx, q);
  return q;
}

/**
 * PostgreSQL, before any transaction: a visit by someone who has visited before, with no eventId,
 * is decided by the track alone, so its track (with that decision) goes in as one statement (atomic on its
 * own, the promo read with the same share lock as writeTrack). Answers `null` when that does not
 * apply (a first visit, an unknown code, an eventId, …): then writeTrack does the whole work in a
 * transaction, and nothing was written here.
 */
export async function writeReturningVisitPostgres(ctx: StoreContext, db: Kysely<any>, input: ParsedTrackInput): Promise<TrackWrite | null> {
  const outcome = outcomeWithoutReads(ctx, { scene: input.scene, trackType: 2 })!;
  const now = Date.now();
  let row: { id: number; referrer: number } | undefined;
  try {
    const params = [input.promocode, input.scene, input.detail, input.userId, now, outcome];
    row = (await runCompiled<{ id: number; referrer: number }>(db, statements(ctx).returningVisit, params)).rows[0];
  } catch (error) {
    if (isRetryable(error)) return null;
    throw error;
  }
  if (!row) return null;
  const track = visitRecord(input, { id: row.id, trackType: 2, referrerId: row.referrer, at: now });
  return { track, created: true, attribution: { outcome, binding: null } };
}

/**
 * PostgreSQL, without an eventId: the steps below (owner with its share lock, the visitor row's
 * conflict-handled insert, the track) as one statement, in the same order and with the same
 * locks, in one round trip instead of three.
 */
export async function writeTrackPostgres(ctx: StoreContext, trx: Kysely<any>, input: ParsedTrackInput): Promise<TrackWrite> {
  const now = Date.now();
  const excluded = ctx.excludeScenes.has(input.scene) ? 'excluded_scene' : null;
  const params = [input.promocode, input.userId, now, input.trackType ?? null, input.scene, input.detail, excluded];
  type Row = { owner: number | null; first_visit: boolean; id: number | null; track_type: number | null };
  const row = (await runCompiled<Row>(trx, statements(ctx).writeTrack, params)).rows[0];
  if (!row || row.owner == null || row.id == null) throw new UnknownPromocodeError(input.promocode);
  const firstVisit = row.first_visit === true;
  const track = visitRecord(input, { id: row.id, trackType: row.track_type, referrerId: row.owner, at: now });
  return attributeVisit(ctx, trx, track, firstVisit);
}

