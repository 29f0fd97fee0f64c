import { type Kysely, sql } from 'kysely';
import type { BindingFacts, VisitorFacts } from '../../model/attribution.js';
import { UnknownPromocodeError } from '../../model/errors.js';
import type { Track } from '../../model/types.js';
import type { StoreContext } from '../context.js';
import { rowByEvent } from '../event-rows.js';
import { insertIfAbsent } from '../insert.js';
import { num, type TrackRow, toTrack } from '../rows.js';

/**
 * The reads a visit's decision may need, one statement each, in a write transaction. The locks and
 * their order (promo, visitor, binding lock, referral rows) are explained in docs/concurrency.md.
 */

/** The owner of a promocode, share-locked so that `forgetUser` waits for visits in flight. */
export async function promoOwner(ctx: StoreContext, trx: Kysely<any>, promocode: string): Promise<number> {
  const row = await sql<{
    user_id: number;
  }>`select user_id from ${sql.table(ctx.tables.promo)} where promocode = ${promocode}${sql.raw(ctx.dialect.shareLock)}`
    .execute(trx)
    .then((r) => r.rows[0]);
  if (!row) throw new UnknownPromocodeError(promocode);
  return num(row.user_id);
}

/** The track an earlier call recorded under this eventId; `latest`: a locking read, past the snapshot. */
export async function trackByEvent(
  ctx: StoreContext,
  trx: Kysely<any>,
  userId: number,
  eventId: string,
  latest = false,
): Promise<Track | null> {
  const row = await rowByEvent(ctx, trx, ctx.tables.track, userId, eventId, latest);
  return row ? toTrack(row as TrackRow) : null;
}

/**
 * The user's visitor row, inserted when this is their first visit. The unique key lets exactly one
 * of several concurrent first visits insert it: the race-free "has this user visited before?".
 */
export async function claimVisitor(
  ctx: StoreContext,
  trx: Kysely<any>,
  userId: number,
  at: number,
  arrivedNew: boolean,
): Promise<VisitorFacts> {
  const row = { user_id: userId, first_seen_at: at, arrived_new: arrivedNew ? 1 : 0 };
  if ((await insertIfAbsent(trx, ctx.dialect, ctx.tables.visitor, row, 'user_id')) !== null)
    return { firstVisit: true, arrivedNew, firstSeenAt: at };
  const seen = await sql<{
    first_seen_at: unknown;
    arrived_new: unknown;
  }>`select first_seen_at, arrived_new from ${sql.table(ctx.tables.visitor)} where user_id = ${userId}${sql.raw(ctx.dialect.shareLock)}`
    .execute(trx)
    .then((r) => r.rows[0]);
  if (!seen) throw new Error('visitor row vanished after its conflict');
  return { firstVisit: false, arrivedNew: num(seen.arrived_new) === 1, firstSeenAt: num(seen.first_seen_at) };
}

export async function isBound(ctx: StoreContext, trx: Kysely<any>, userId: number): Promise<boolean> {
  const { rows } = await sql`select 1 as x from ${sql.table(ctx.tables.referral)} where user_id = ${userId}`.execute(trx);
  return rows.length > 0;
}

/**
 * Taken before the reads of a possible (re)binding: every transaction that may bind, and its cycle
 * check, takes turns (a no-op where writes are serialized anyway). Taking it counts a turn
 * (`version`), which a one-statement first visit compares (docs/concurrency.md, "Round trips").
 */
export async function takeBindingLock(ctx: StoreContext, trx: Kysely<any>): Promise<void> {
  const { tables, dialect } = ctx;
  if (dialect.updateLock) await sql`update ${sql.table(tables.lock)} set version = version + 1 where name = 'binding'`.execute(trx);
}

/** The user's binding, locked for writing (after `takeBindingLock`). */
export async function currentBinding(ctx: StoreContext, trx: Kysely<any>, userId: number): Promise<BindingFacts | null> {
  const row = await sql<{
    referrer: unknown;
    bound_at: unknown;
  }>`select referrer, bound_at from ${sql.table(ctx.tables.referral)} where user_id = ${userId}${sql.raw(ctx.dialect.updateLock)}`
    .execute(trx)
    .then((r) => r.rows[0]);
  return row ? { referrerId: num(row.referrer), boundAt: num(row.bound_at) } : null;
}

const MAX_CHAIN = 100_000;

/** Whether `userId` already sits above `candidateId` in the referral chain (read under the binding lock). */
export async function isAncestor(ctx: StoreContext, trx: Kysely<any>, userId: number, candidateId: number): Promise<boolean> {
  let current = candidateId;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    const row = await sql<{
      referrer: number;
    }>`select referrer from ${sql.table(ctx.tables.referral)} where user_id = ${current}${sql.raw(ctx.dialect.chainLock)}`
      .execute(trx)
      .then((r) => r.rows[0]);
    if (!row) return false;
    const parent = num(row.referrer);
    if (parent === userId) return true;
    current = parent;
  }
  return true;
}
