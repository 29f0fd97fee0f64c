import type { Kysely } from 'kysely';
import { followsRefunds, ruleAmount } from '../../model/rewards.js';
import { rewardEvent } from '../../model/webhook-events.js';
import type { StoreContext } from '../context.js';
import { num } from '../rows.js';
import { uncount } from './counters.js';
import type { Earned } from './earn.js';
import { insertEntry, lockEntries, type RewardRow, toReward } from './rows.js';

const UNSETTLED = ['held', 'payable'];

/** Marks entries `reversed` (their amounts stay), frees the cap periods they counted in, reports them. */
async function reverse(ctx: StoreContext, trx: Kysely<any>, rows: RewardRow[], note: string, earned: Earned, free = true): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .updateTable(ctx.tables.reward)
    .set({ status: 'reversed', note })
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  for (const row of rows) {
    if (free) await uncount(ctx, trx, row);
    earned.events.push(rewardEvent('reward.reversed', toReward({ ...row, status: 'reversed', note })));
  }
}

/**
 * A last-touch rebinding, in its transaction: the previous referrer's own unsettled `referral.bound`
 * entries for this referee are reversed (the new binding's rules pay the new referrer).
 */
export async function reverseForRebinding(
  ctx: StoreContext,
  trx: Kysely<any>,
  refereeId: number,
  previousReferrerId: number,
  newReferrerId: number,
): Promise<Earned> {
  const earned: Earned = { entries: [], events: [] };
  const rows = await lockEntries(ctx, trx, (q) =>
    q
      .where('referee', '=', refereeId)
      .where('referrer', '=', previousReferrerId)
      .where('user_id', '=', previousReferrerId)
      .where('conversion_id', 'is', null)
      .where('reversal_of', 'is', null)
      .where('status', 'in', UNSETTLED),
  );
  await reverse(ctx, trx, rows, `rebound to user ${newReferrerId}`, earned);
  return earned;
}

/** The conversion a refund changed, as it now is. */
export interface RefundedConversion {
  id: number;
  orderId: string | null;
  amount: number;
  refundedAmount: number;
}

/**
 * A refund, in its transaction (docs/rewards.md, "Refunds"). Unsettled entries of the conversion
 * are reversed (a fixed amount only by a full refund; a percent by every refund) and, where money
 * remains, replaced by an entry with the recomputed amount and the same `payableAt`. A settled entry
 * gets a negative `payable` claw-back for what it paid beyond what the conversion now earns.
 */
export async function rewardsOfRefund(ctx: StoreContext, trx: Kysely<any>, c: RefundedConversion, now = Date.now()): Promise<Earned> {
  const earned: Earned = { entries: [], events: [] };
  // Every entry of the conversion, claw-backs included, in one locking read on the conversion's
  // index: no other range is locked, so concurrent refunds and settles do not deadlock on gaps.
  const all = await lockEntries(ctx, trx, (q) => q.where('conversion_id', '=', c.id));
  const rows = all.filter((r) => r.reversal_of === null && [...UNSETTLED, 'settled'].includes(r.status));
  if (rows.length === 0) return earned;
  const fully = c.refundedAmount >= c.amount;
  const note = c.orderId === null ? `conversion ${c.id} refunded` : `order ${c.orderId} refunded`;
  const rules = new Map(ctx.rewards.map((r) => [r.id, r]));
  // What each entry's rule now pays for the conversion (a rule gone from the options counts as a fixed amount).
  const due = (row: RewardRow) => {
    const rule = rules.get(row.rule_id);
    if (rule && followsRefunds(rule)) return ruleAmount(rule, c.amount, c.refundedAmount);
    return fully ? 0 : num(row.amount);
  };
  const clawbacks = clawedBack(all);
  const reversed: RewardRow[] = [];
  const replacements: RewardRow[] = [];
  for (const row of rows) {
    const target = due(row);
    if (row.status === 'settled') {
      const owed = target - (num(row.amount) + (clawbacks.get(num(row.id)) ?? 0));
      if (owed >= 0) continue;
      const { id: settledId, ...settled } = row;
      const { reward } = await insertEntry(ctx, trx, {
        ...settled,
        amount: owed,
        status: 'payable',
        payable_at: now,
        created_at: now,
        settled_at: null,
        replaces: null,
        reversal_of: num(settledId),
        cap_period: null,
        note: `${note} after settlement`,
      });
      earned.entries.push(reward);
      earned.events.push(rewardEvent('reward.created', reward));
      continue;
    }
    if (target === num(row.amount)) continue;
    reversed.push(row);
    if (target > 0) replacements.push({ ...row, amount: target, replaces: num(row.id) });
  }
  // A replacement takes its predecessor's place in the cap: the others free theirs.
  const replaced = new Set(replacements.map((n) => n.replaces));
  await reverse(
    ctx,
    trx,
    reversed.filter((r) => !replaced.has(num(r.id))),
    note,
    earned,
  );
  await reverse(
    ctx,
    trx,
    reversed.filter((r) => replaced.has(num(r.id))),
    note,
    earned,
    false,
  );
  for (const next of replacements) {
    const { id: _old, ...entry } = next;
    const { reward } = await insertEntry(ctx, trx, {
      ...entry,
      status: entry.review || num(entry.payable_at) > now ? 'held' : 'payable',
      created_at: now,
      settled_at: null,
      note: null,
    });
    earned.entries.push(reward);
    earned.events.push(rewardEvent('reward.created', reward));
  }
  return earned;
}

/** The sum (≤ 0) of the claw-backs already written against each settled entry, from the conversion's entries. */
function clawedBack(entries: RewardRow[]): Map<number, number> {
  const sums = new Map<number, number>();
  for (const r of entries) {
    if (r.reversal_of !== null) sums.set(num(r.reversal_of), (sums.get(num(r.reversal_of)) ?? 0) + num(r.amount));
  }
  return sums;
}
