import { type Kysely, sql } from 'kysely';
import type { DecisionOutcome, Referral, Track } from '../types.js';
import { runCompiled } from './compiled.js';
import type { StoreContext } from './context.js';
import { num, type ReferralRow, toReferral } from './rows.js';

export interface AttributionResult {
  outcome: DecisionOutcome;
  /** Set when this track created or replaced the user's binding. */
  binding: { referral: Referral; previousReferrerId: number | null } | null;
}

const DAY_MS = 86_400_000;
const MAX_CHAIN = 100_000;

/**
 * Decides what a recorded track means for the user's referrer, applies it, and keeps the
 * decision on the track row. Runs inside the track's transaction, for tracks whose outcome
 * `outcomeWithoutReads` could not settle (those are written with their outcome already).
 */
export async function attribute(
  ctx: StoreContext,
  trx: Kysely<any>,
  track: Track & { referrerId: number },
  firstSeenAt: number,
  firstVisit: boolean,
): Promise<AttributionResult> {
  const result = await decide(ctx, trx, track, firstSeenAt, firstVisit);
  await runCompiled(trx, statements(ctx).updateOutcome, [result.outcome, track.id]);
  return result;
}

const compiledOf = new WeakMap<StoreContext, { updateOutcome: string; insertReferral: string; updateReferral: string }>();

/** The writes of a decision, compiled by Kysely once per tracker (parameters in the order below). */
function statements(ctx: StoreContext) {
  let q = compiledOf.get(ctx);
  if (!q) {
    const { t, db } = ctx;
    const binding = { referrer: 0, promocode: '', scene: '', track_id: 0, bound_at: 0 };
    q = {
      updateOutcome: db.updateTable(t.track).set({ outcome: '' }).where('id', '=', 0).compile().sql,
      insertReferral: db.insertInto(t.referral).values({ user_id: 0, ...binding }).compile().sql,
      updateReferral: db.updateTable(t.referral).set(binding).where('user_id', '=', 0).compile().sql,
    };
    compiledOf.set(ctx, q);
  }
  return q;
}

/**
 * The outcome of a track that is decided by the track alone (no read, never a binding), or
 * `null` when the referral graph must be read. Every track insert writes it as the track's
 * `outcome`, so such a visit is one row and one statement.
 */
export function outcomeWithoutReads(
  ctx: StoreContext,
  track: { scene: string; trackType: number },
): 'excluded_scene' | 'returning_user' | null {
  if (ctx.excludeScenes.has(track.scene)) return 'excluded_scene';
  if (track.trackType !== 1) return 'returning_user';
  return null;
}

async function decide(
  ctx: StoreContext,
  trx: Kysely<any>,
  track: Track & { referrerId: number },
  firstSeenAt: number,
  firstVisit: boolean,
): Promise<AttributionResult> {
  const { t, d, attribution } = ctx;
  const none = (outcome: DecisionOutcome): AttributionResult => ({ outcome, binding: null });
  if (track.referrerId === track.userId) return none('self');

  // The binding lock. Why it is safe:
  // - The race: A visits through B's code while B visits through A's. Each cycle check alone
  //   finds no path (neither edge is committed yet), so without a lock both edges commit and
  //   A→B→A exists. Here every transaction that may write a binding first locks the single row
  //   of `promo_track_lock` (`select … for update`), so all bindings, and the cycle checks that
  //   precede them, run one at a time, and the second one, once it has the lock, must see the
  //   edge the first one committed. Edges are only ever added under this lock; `forgetUser`
  //   deletes edges without it, and deleting an edge cannot close a cycle.
  // - "Must see": a lock alone does not make a transaction see rows committed after its
  //   snapshot. PostgreSQL: transactions are pinned to READ COMMITTED (store/transaction.ts), so
  //   every statement below takes a new snapshot, after the lock was granted. MySQL/MariaDB at
  //   REPEATABLE READ keep the snapshot of the transaction's first plain read, which may come
  //   before the lock (the eventId lookup in writeTrack), so every read below that decides a
  //   binding is a locking read (`for update` / `lock in share mode`): locking reads read the
  //   latest committed row, not the snapshot. At SERIALIZABLE plain reads lock too; at READ
  //   COMMITTED they are fresh anyway. MariaDB with `innodb_snapshot_isolation` (default since
  //   11.6) answers such a locking read with "record has changed since last read" instead;
  //   the transaction is rolled back and run again (store/transaction.ts), never half-applied.
  // - SQLite takes no lock here: every write transaction is BEGIN IMMEDIATE, which holds the
  //   database's single write lock from its start, so whole track transactions already run one
  //   at a time and each sees everything committed before it.
  // - Only visits that may bind reach this point (a new user, a scene that counts, not oneself),
  //   and the lock is held only until that visit's transaction ends, so returning visits and
  //   crawler traffic never wait for it. Bindings take their locks in one order (promo share
  //   lock, this lock, referral rows), so they cannot deadlock one another; a deadlock with some
  //   other writer is rolled back and retried (store/transaction.ts).
  if (d.updateLock) {
    await sql`select name from ${sql.table(t.lock)} where name = 'binding'${sql.raw(d.updateLock)}`.execute(trx);
  }
  // A user's first visit (this transaction wrote their visitor row) has no binding to read: a
  // binding is only ever written with, or after, the user's visitor row, and both go together.
  const currentRow = firstVisit
    ? undefined
    : await sql<ReferralRow>`select * from ${sql.table(t.referral)} where user_id = ${track.userId}${sql.raw(d.updateLock)}`
        .execute(trx)
        .then((r) => r.rows[0]);
  const current = currentRow ? toReferral(currentRow) : null;

  if (current && attribution.model === 'first-touch') return none('kept');
  if (attribution.windowMs !== null && track.createdAt.getTime() - firstSeenAt > attribution.windowMs) {
    return none('outside_window');
  }
  if (current && current.referrerId === track.referrerId) return none('kept');
  if (await isAncestor(ctx, trx, track.userId, track.referrerId)) return none('cycle');

  const referral: Referral = {
    userId: track.userId,
    referrerId: track.referrerId,
    promocode: track.promocode,
    scene: track.scene,
    trackId: track.id,
    boundAt: track.createdAt,
  };
  const row = [referral.referrerId, referral.promocode, referral.scene, referral.trackId, referral.boundAt.getTime()];
  const q = statements(ctx);
  if (current) await runCompiled(trx, q.updateReferral, [...row, track.userId]);
  else await runCompiled(trx, q.insertReferral, [track.userId, ...row]);
  return {
    outcome: current ? 'rebound' : 'bound',
    binding: { referral, previousReferrerId: current?.referrerId ?? null },
  };
}

/** Whether `userId` already sits above `candidateId` in the referral chain. */
async function isAncestor(ctx: StoreContext, trx: Kysely<any>, userId: number, candidateId: number): Promise<boolean> {
  const { t, d } = ctx;
  let current = candidateId;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    // A locking read on MySQL sees the latest committed edges, not the transaction's snapshot;
    // on PostgreSQL (READ COMMITTED) a plain read already does (see the binding lock above).
    const row = await sql<{ referrer: number }>`select referrer from ${sql.table(t.referral)} where user_id = ${current}${sql.raw(d.name === 'mysql' ? d.shareLock : '')}`
      .execute(trx)
      .then((r) => r.rows[0]);
    if (!row) return false;
    const parent = num(row.referrer);
    if (parent === userId) return true;
    current = parent;
  }
  return true;
}

export const windowMs = (days: number | undefined): number | null => (days === undefined ? null : days * DAY_MS);
