import { type Kysely, sql } from 'kysely';
import type { DecisionOutcome, Referral, Track } from '../types.js';
import type { StoreContext } from './context.js';
import { insertRow } from './insert.js';
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
 * decision. Runs inside the track's transaction.
 */
export async function attribute(
  ctx: StoreContext,
  trx: Kysely<any>,
  track: Track & { referrerId: number },
  firstSeenAt: number,
): Promise<AttributionResult> {
  const result = await decide(ctx, trx, track, firstSeenAt);
  await insertRow(trx, ctx.d, ctx.t.decision, {
    user_id: track.userId,
    track_id: track.id,
    promocode: track.promocode,
    candidate: track.referrerId,
    outcome: result.outcome,
    at: track.createdAt.getTime(),
  });
  return result;
}

async function decide(
  ctx: StoreContext,
  trx: Kysely<any>,
  track: Track & { referrerId: number },
  firstSeenAt: number,
): Promise<AttributionResult> {
  const { t, d, attribution } = ctx;
  const none = (outcome: DecisionOutcome): AttributionResult => ({ outcome, binding: null });
  if (ctx.excludeScenes.has(track.scene)) return none('excluded_scene');
  if (track.trackType !== 1) return none('returning_user');
  if (track.referrerId === track.userId) return none('self');

  // Every binding takes this lock before it reads the referral graph, so two users binding to
  // each other at the same moment are serialised and the second one sees the first one's edge
  // (a cycle check on a snapshot that misses a concurrent edge would let A→B and B→A both in).
  // SQLite needs no lock: its write transactions (BEGIN IMMEDIATE) already run one at a time.
  if (d.updateLock) {
    await sql`select name from ${sql.table(t.lock)} where name = 'binding'${sql.raw(d.updateLock)}`.execute(trx);
  }
  const currentRow = await sql<ReferralRow>`select * from ${sql.table(t.referral)} where user_id = ${track.userId}${sql.raw(d.updateLock)}`
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
  const row = {
    referrer: referral.referrerId,
    promocode: referral.promocode,
    scene: referral.scene,
    track_id: referral.trackId,
    bound_at: referral.boundAt.getTime(),
  };
  if (current) {
    await trx.updateTable(t.referral).set(row).where('user_id', '=', track.userId).execute();
  } else {
    await trx.insertInto(t.referral).values({ user_id: track.userId, ...row }).execute();
  }
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
    // A locking read on MySQL sees the latest committed edges, not the transaction's snapshot.
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
