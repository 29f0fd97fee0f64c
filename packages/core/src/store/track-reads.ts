import { type Kysely, sql } from 'kysely';
import { UnknownPromocodeError } from '../errors.js';
import type { Track } from '../types.js';
import type { StoreContext } from './context.js';
import { num, type TrackRow, toTrack } from './rows.js';

/**
 * A code this salt never issued is unknown, whatever rows hold it (checked before any statement:
 * the SQL shortcuts look codes up without decoding them).
 */
export function refuseUnissued(ctx: StoreContext, promocode: string): void {
  if (!ctx.codec.decode(promocode)) throw new UnknownPromocodeError(promocode);
}

/**
 * The owner of a promocode, read with a share lock (PostgreSQL, MySQL) so that `forgetUser`,
 * which deletes the promo first, waits for visits in flight and then sees them.
 */
export async function promoOwner(ctx: StoreContext, trx: Kysely<any>, promocode: string): Promise<number> {
  refuseUnissued(ctx, promocode);
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
export async function trackByEvent(ctx: StoreContext, trx: Kysely<any>, userId: number, eventId: string, latest = false): Promise<Track | null> {
  const row = await trx
    .selectFrom(ctx.t.track)
    .selectAll()
    .where('user_id', '=', userId)
    .where('event_id', '=', eventId)
    .$if(latest, (q) => q.modifyEnd(sql.raw(ctx.d.shareLock)))
    .executeTakeFirst();
  return row ? toTrack(row as TrackRow) : null;
}

/** When the user first visited (for `windowDays`); `fallback` when no window is set. */
export async function visitorSince(ctx: StoreContext, trx: Kysely<any>, userId: number, fallback: number): Promise<number> {
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
