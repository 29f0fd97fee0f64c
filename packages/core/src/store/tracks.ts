import { type Kysely, sql } from 'kysely';
import { UnknownPromocodeError } from '../errors.js';
import type { Track, TrackType } from '../types.js';
import type { ParsedTrackInput } from '../validation.js';
import { type AttributionResult, attribute } from './attribution.js';
import type { StoreContext } from './context.js';
import { insertIfAbsent, insertRow } from './insert.js';
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

/** Records one visit inside the caller's transaction. */
export async function writeTrack(ctx: StoreContext, trx: Kysely<any>, input: ParsedTrackInput): Promise<TrackWrite> {
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
