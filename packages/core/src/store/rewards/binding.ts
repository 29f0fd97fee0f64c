import type { Kysely } from 'kysely';
import type { Referral } from '../../model/types.js';
import type { StoreContext } from '../context.js';
import { messagesOf } from '../outbox/index.js';
import { earn, type Earned, earnIn } from './earn.js';
import { bindingPeriods, plannedBooks, type RewardPlan, type RewardReads, UNREAD_COUNTER } from './planned-books.js';
import { reverseForRebinding } from './reverse.js';

/**
 * The track writer's hook: a binding (or a last-touch rebinding) just written in `trx`. A rebinding
 * first reverses the previous referrer's own unsettled `referral.bound` entries for this user, then
 * the referrer's `referral.bound` rules pay the new referrer (the referee's rules paid at the first
 * binding, and do not pay again). `review`: the binding is flagged (issue 28).
 */
export async function rewardsOfBinding(
  ctx: StoreContext,
  trx: Kysely<any>,
  binding: { referral: Referral; previousReferrerId: number | null },
  review = false,
): Promise<Earned> {
  const { referral, previousReferrerId } = binding;
  const undone =
    previousReferrerId === null ? null : await reverseForRebinding(ctx, trx, referral.userId, previousReferrerId, referral.referrerId);
  const earned = await earn(ctx, trx, {
    referrerId: referral.referrerId,
    refereeId: referral.userId,
    at: referral.boundAt.getTime(),
    trackId: referral.trackId,
    conversion: null,
    rebinding: previousReferrerId !== null,
    review,
  });
  return undone ? { entries: earned.entries, events: [...undone.events, ...earned.events] } : earned;
}

/**
 * The rules of a first binding (an optimistic first visit's, store/visits/optimistic.ts) planned from
 * what its first statement read, for its write to carry, with their `reward.created` messages
 * pending from `messagesAt`; `null` where they need more than was read.
 */
export async function planRewardsOfBinding(
  ctx: StoreContext,
  reads: RewardReads,
  binding: { referrerId: number; refereeId: number; at: number },
  messagesAt: number,
): Promise<RewardPlan | null> {
  const { books, plan } = plannedBooks(reads, bindingPeriods(ctx, binding.at));
  try {
    const { events } = await earnIn(ctx, books, { ...binding, trackId: null, conversion: null });
    for (const event of events) {
      const rule = (event.data as { rule_id: string }).rule_id;
      plan.messages.push(...messagesOf(ctx, [event], messagesAt).map((m) => ({ ...m, rule_id: rule })));
    }
    return plan;
  } catch (error) {
    if (error === UNREAD_COUNTER) return null;
    throw error;
  }
}
