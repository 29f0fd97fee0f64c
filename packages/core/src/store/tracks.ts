import type { Kysely } from 'kysely';
import type { Track, TrackType } from '../types.js';
import type { ParsedTrackInput } from '../validation.js';
import type { AttributionResult } from './attribution.js';
import type { StoreContext } from './context.js';
import { attributeVisit, visitRecord } from './visit-record.js';
import { insertIfAbsent, insertRow } from './insert.js';
import { promoOwner, trackByEvent } from './track-reads.js';
import { writeTrackPostgres } from './tracks-postgres.js';
import { writeTrackSqlite } from './tracks-sqlite.js';

export { promoOwner } from './track-reads.js';
export { writeReturningVisit } from './tracks-postgres.js';

export interface TrackWrite {
  track: Track;
  /** False when `eventId` repeated an earlier track, which is answered instead. */
  created: boolean;
  attribution: AttributionResult | null;
}

/**
 * Records one visit inside the caller's transaction. SQLite and PostgreSQL take shortcuts of the
 * same semantics (tracks-sqlite.ts, tracks-postgres.ts); MySQL and the remaining cases run the
 * steps one statement at a time.
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
