import type { Kysely } from 'kysely';
import type { Track, TrackType } from '../types.js';
import type { ParsedTrackInput } from '../validation.js';
import { type AttributionResult, outcomeWithoutReads } from './attribution.js';
import type { StoreContext } from './context.js';
import { attributeVisit, visitRecord } from './visit-record.js';
import { insertIfAbsent, insertRow } from './insert.js';
import { promoOwner, refuseUnissued, trackByEvent } from './track-reads.js';
import { writeReturningVisitPostgres, writeTrackPostgres } from './tracks-postgres.js';
import { writeTracksSqlite } from './tracks-batch-sqlite.js';
import { writeReturningVisitSqlite, writeTrackSqlite } from './tracks-sqlite.js';
import { transaction } from './transaction.js';

export { promoOwner } from './track-reads.js';

export interface TrackWrite {
  track: Track;
  /** False when `eventId` repeated an earlier track, which is answered instead. */
  created: boolean;
  attribution: AttributionResult | null;
}

/**
 * Records one visit. A visit that may be a returning visitor's, without eventId, is first tried
 * as the dialect's single statement (atomic on its own: no transaction to begin and commit);
 * when that writes nothing, writeTrack runs in a transaction.
 */
export async function recordVisit(ctx: StoreContext, input: ParsedTrackInput): Promise<TrackWrite> {
  refuseUnissued(ctx, input.promocode);
  const attempt =
    input.eventId || input.trackType === 1
      ? undefined
      : ctx.d.name === 'sqlite'
        ? (db: Kysely<any>) => writeReturningVisitSqlite(ctx, db, input)
        : ctx.d.name === 'postgres'
          ? (db: Kysely<any>) => writeReturningVisitPostgres(ctx, db, input)
          : undefined;
  return transaction(ctx.db, ctx.d, (trx) => writeTrack(ctx, trx, input), attempt);
}

/** Records a batch of visits, in order, inside the caller's transaction. */
export async function writeTracks(ctx: StoreContext, trx: Kysely<any>, inputs: ParsedTrackInput[]): Promise<TrackWrite[]> {
  for (const input of inputs) refuseUnissued(ctx, input.promocode);
  const one = (input: ParsedTrackInput) => writeTrack(ctx, trx, input);
  if (ctx.d.name === 'sqlite') return writeTracksSqlite(ctx, trx, inputs, one);
  const done: TrackWrite[] = [];
  for (const input of inputs) done.push(await one(input));
  return done;
}

/**
 * Records one visit inside the caller's transaction, its code already checked (refuseUnissued).
 * SQLite and PostgreSQL take shortcuts of the same semantics (tracks-sqlite.ts,
 * tracks-postgres.ts); MySQL and the remaining cases run the steps one statement at a time.
 */
export async function writeTrack(ctx: StoreContext, trx: Kysely<any>, input: ParsedTrackInput): Promise<TrackWrite> {
  if (ctx.d.name === 'sqlite' && input.trackType === undefined) return writeTrackSqlite(ctx, trx, input);
  if (ctx.d.name === 'postgres' && !input.eventId) return writeTrackPostgres(ctx, trx, input);
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
    outcome: outcomeWithoutReads(ctx, { scene: input.scene, trackType }),
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

  return attributeVisit(ctx, trx, visitRecord(input, { id, trackType, referrerId, at: now }), firstVisit);
}
