import type { Kysely } from 'kysely';
import type { StoreContext } from '../context.js';

const affected = (r: { numDeletedRows?: bigint }[]) => r.reduce((sum, x) => sum + Number(x.numDeletedRows ?? 0n), 0);

/**
 * forgetUser's part of the ledger, in its transaction: the entries the user earns that were never
 * settled are deleted (their counters and the decisions naming the user too); settled entries and
 * the claw-backs against them stay, for the host's books, with the user's id replaced by `null`
 * wherever it appears. Answers how many entries were deleted.
 */
export async function forgetRewards(ctx: StoreContext, trx: Kysely<any>, userId: number): Promise<number> {
  const t = ctx.tables;
  const removed = affected(
    await trx
      .deleteFrom(t.reward)
      .where('user_id', '=', userId)
      .where('status', 'in', ['held', 'payable', 'reversed', 'voided'])
      .where('reversal_of', 'is', null)
      .execute(),
  );
  for (const column of ['user_id', 'referrer', 'referee'] as const) {
    await trx
      .updateTable(t.reward)
      .set({ [column]: null })
      .where(column, '=', userId)
      .execute();
  }
  await trx
    .deleteFrom(t.rewardDecision)
    .where((eb) => eb.or([eb('referrer', '=', userId), eb('referee', '=', userId)]))
    .execute();
  await trx.deleteFrom(t.rewardCount).where('user_id', '=', userId).execute();
  return removed;
}
