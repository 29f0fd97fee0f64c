import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError } from '../../model/errors.js';
import type { Reward } from '../../model/rewards.js';
import { type OutboxEvent, rewardEvent } from '../../model/webhook-events.js';
import type { StoreContext } from '../context.js';
import { num } from '../rows.js';
import { uncount } from './counters.js';
import { lockEntries, toReward } from './rows.js';

/** Entries turned `payable` per transaction by `releaseDue`. */
export const RELEASE_BATCH = 500;

/**
 * One batch of `releaseDueRewards`, in the caller's transaction: due `held` entries (not waiting for
 * an operator's review) become `payable`. Answers how many, and their events.
 */
export async function releaseDue(ctx: StoreContext, trx: Kysely<any>, now: number): Promise<{ released: number; events: OutboxEvent[] }> {
  const rows = await lockEntries(ctx, trx, (q) =>
    q.where('status', '=', 'held').where('review', '=', 0).where('payable_at', '<=', now).limit(RELEASE_BATCH),
  );
  if (rows.length === 0) return { released: 0, events: [] };
  await trx
    .updateTable(ctx.tables.reward)
    .set({ status: 'payable' })
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return { released: rows.length, events: rows.map((r) => rewardEvent('reward.payable', toReward({ ...r, status: 'payable' }))) };
}

/**
 * `settleRewards`, in one transaction: every id must be `payable` (or already `settled`, answered
 * as it is); otherwise a `ConflictError` names each refused id and nothing is settled. The entries
 * are locked first, so a refund of one of them at the same moment goes entirely before or after.
 */
export async function settle(
  ctx: StoreContext,
  trx: Kysely<any>,
  ids: readonly number[],
  now: number,
): Promise<{ rewards: Reward[]; events: OutboxEvent[] }> {
  const rows = new Map((await lockEntries(ctx, trx, (q) => q.where('id', 'in', [...new Set(ids)]))).map((r) => [num(r.id), r]));
  const missing = ids.filter((id) => !rows.has(id));
  if (missing.length > 0) throw new NotFoundError(`No reward has the id ${missing.join(', ')}`);
  const issues = ids.flatMap((id, i) => {
    const status = rows.get(id)!.status;
    return status === 'payable' || status === 'settled' ? [] : [{ path: `ids.${i}`, message: `reward ${id} is ${status}, not payable` }];
  });
  if (issues.length > 0) throw new ConflictError(`Only payable rewards can be settled: ${issues.map((i) => i.message).join('; ')}`, issues);
  const due = [...rows.values()].filter((r) => r.status === 'payable');
  const events: OutboxEvent[] = [];
  if (due.length > 0) {
    await trx
      .updateTable(ctx.tables.reward)
      .set({ status: 'settled', settled_at: now })
      .where(
        'id',
        'in',
        due.map((r) => r.id),
      )
      .execute();
    for (const r of due) {
      Object.assign(r, { status: 'settled', settled_at: now });
      events.push(rewardEvent('reward.settled', toReward(r)));
    }
  }
  return { rewards: ids.map((id) => toReward(rows.get(id)!)), events };
}

/** `voidReward`: an operator cancels a `held` or `payable` entry; a voided one is answered as it is. */
export async function voidEntry(
  ctx: StoreContext,
  trx: Kysely<any>,
  id: number,
  note: string | null,
): Promise<{ reward: Reward; events: OutboxEvent[] }> {
  const [row] = await lockEntries(ctx, trx, (q) => q.where('id', '=', id));
  if (!row) throw new NotFoundError(`No reward has the id ${id}`);
  if (row.status === 'voided') return { reward: toReward(row), events: [] };
  if (row.status !== 'held' && row.status !== 'payable') {
    throw new ConflictError(`Reward ${id} is ${row.status}: only held or payable rewards can be voided`, [
      { path: 'id', message: `is ${row.status}` },
    ]);
  }
  const next = { ...row, status: 'voided', note: note ?? row.note };
  await trx.updateTable(ctx.tables.reward).set({ status: 'voided', note: next.note }).where('id', '=', id).execute();
  await uncount(ctx, trx, row);
  const reward = toReward(next);
  return { reward, events: [rewardEvent('reward.voided', reward)] };
}
