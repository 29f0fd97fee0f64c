import type { Kysely } from 'kysely';
import { type Need, settle } from '../../model/attribution.js';
import { UnknownPromocodeError } from '../../model/errors.js';
import type { StoreContext } from '../context.js';
import { insertIfAbsent, insertRow } from '../insert.js';
import { bindingOf, trackOf, trackRow, trackTypeOf, type TrackWrite, type VisitInput, writeBinding } from './records.js';
import { claimVisitor, currentBinding, isAncestor, isBound, promoOwner, takeBindingLock, trackByEvent } from './reads.js';

/**
 * One visit, one statement per fact, with the locks that make concurrent writers safe
 * (docs/concurrency.md): owner, eventId, visitor, then what the decision asks for.
 */
export async function writeVisitStepwise(ctx: StoreContext, trx: Kysely<any>, v: VisitInput): Promise<TrackWrite> {
  const arrivedNew = v.trackType !== 2;
  // Without an eventId, a dialect may read the owner and claim the visitor row in one round trip.
  const claimed = !v.eventId && ctx.dialect.claimVisit ? await ctx.dialect.claimVisit(trx, ctx.tables, { ...v, arrivedNew }) : null;
  if (claimed && claimed.owner === null) throw new UnknownPromocodeError(v.promocode);
  const owner = claimed?.owner ?? (await promoOwner(ctx, trx, v.promocode));
  if (v.eventId) {
    const repeated = await trackByEvent(ctx, trx, v.userId, v.eventId);
    if (repeated) return { track: repeated, created: false, outcome: null, binding: null };
  }
  const visitor = claimed?.visitor ?? (await claimVisitor(ctx, trx, v.userId, v.at, arrivedNew));
  // The claim may have taken the binding lock already (a first visit that may bind).
  let locked = claimed?.locked ?? false;
  const verdict = await settle(
    ctx.rules,
    { userId: v.userId, candidateId: owner, scene: v.scene, at: v.at, visitor },
    async (need: Need) => {
      if (need === 'bound') return isBound(ctx, trx, v.userId);
      if (!locked) await takeBindingLock(ctx, trx);
      locked = true;
      return need === 'binding' ? currentBinding(ctx, trx, v.userId) : isAncestor(ctx, trx, v.userId, owner);
    },
  );

  const trackType = trackTypeOf(visitor);
  const row = trackRow(v, trackType, owner, verdict.outcome);
  // A new binding without eventId: the dialect may write the track and the binding in one statement.
  const together = verdict.bind && verdict.previousReferrerId === null && !v.eventId ? ctx.dialect.insertBoundTrack : undefined;
  const id = together
    ? await together.call(ctx.dialect, trx, ctx.tables, { ...row, referrer: owner })
    : v.eventId
      ? await insertIfAbsent(trx, ctx.dialect, ctx.tables.track, row)
      : await insertRow(trx, ctx.dialect, ctx.tables.track, row);
  if (id === null) {
    // A concurrent call with the same eventId got there first.
    const first = await trackByEvent(ctx, trx, v.userId, v.eventId!, true);
    if (!first) throw new Error('event_id conflict without a stored track');
    return { track: first, created: false, outcome: null, binding: null };
  }
  const track = trackOf(v, { id, trackType, referrerId: owner, outcome: verdict.outcome });
  const binding = bindingOf(track, verdict);
  if (binding && !together) await writeBinding(ctx, trx, binding.referral, binding.previousReferrerId !== null);
  return { track, created: true, outcome: verdict.outcome, binding };
}
