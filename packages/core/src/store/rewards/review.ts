import type { Kysely } from 'kysely';
import { type OutboxEvent, rewardEvent } from '../../model/webhook-events.js';
import type { StoreContext } from '../context.js';
import { voidEntry } from './lifecycle.js';
import { lockEntries, toReward } from './rows.js';

/**
 * resolveFlags' part of the ledger, in its transaction: the referee's entries held for review
 * (`review` = 1). `release`: they no longer wait for an operator; the due ones become `payable` now,
 * the others when `releaseDueRewards` finds them due. `void`: they are voided, each with the note.
 */
export async function resolveHeld(
  ctx: StoreContext,
  trx: Kysely<any>,
  refereeId: number,
  action: 'release' | 'void',
  note: string | null,
  now: number,
): Promise<OutboxEvent[]> {
  const rows = await lockEntries(ctx, trx, (q) =>
    q.where('referee', '=', refereeId).where('review', '=', 1).where('status', '=', 'held').orderBy('id'),
  );
  if (rows.length === 0) return [];
  if (action === 'void') {
    const events: OutboxEvent[] = [];
    for (const row of rows)
      events.push(...(await voidEntry(ctx, trx, Number(row.id), note ?? 'voided in review: the referee was flagged')).events);
    return events;
  }
  const ids = rows.map((r) => r.id);
  await trx.updateTable(ctx.tables.reward).set({ review: 0 }).where('id', 'in', ids).execute();
  const due = rows.filter((r) => Number(r.payable_at) <= now);
  if (due.length === 0) return [];
  await trx
    .updateTable(ctx.tables.reward)
    .set({ status: 'payable' })
    .where(
      'id',
      'in',
      due.map((r) => r.id),
    )
    .execute();
  return due.map((r) => rewardEvent('reward.payable', toReward({ ...r, status: 'payable', review: 0 })));
}
