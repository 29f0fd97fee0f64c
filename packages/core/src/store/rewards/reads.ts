import type { Kysely } from 'kysely';
import type { Reward, RewardBalance, RewardDecision, RewardOutcome, RewardStatus } from '../../model/rewards.js';
import type { StoreContext } from '../context.js';
import { num } from '../rows.js';
import { type RewardRow, toReward } from './rows.js';

/** Newest first: ids below `before` (the previous page's last), one more than `limit` to know whether a page follows. */
export async function selectRewards(
  ctx: StoreContext,
  q: { userId: number | null; status: RewardStatus | null; limit: number; before: number | null },
): Promise<{ items: Reward[]; more: boolean }> {
  const rows = (await ctx.readDb
    .selectFrom(ctx.tables.reward)
    .selectAll()
    .$if(q.userId !== null, (b) => b.where('user_id', '=', q.userId))
    .$if(q.status !== null, (b) => b.where('status', '=', q.status))
    .$if(q.before !== null, (b) => b.where('id', '<', q.before))
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
    .execute()) as RewardRow[];
  return { items: rows.slice(0, q.limit).map(toReward), more: rows.length > q.limit };
}

/** The user's sums by currency and status (claw-backs lower `payable`); currencies in order. */
export async function selectBalance(ctx: StoreContext, userId: number): Promise<RewardBalance[]> {
  const rows = await ctx.db
    .selectFrom(ctx.tables.reward)
    .select(['currency', 'status', (eb) => eb.fn.sum('amount').as('total')])
    .where('user_id', '=', userId)
    .where('status', 'in', ['held', 'payable', 'settled'])
    .groupBy(['currency', 'status'])
    .execute();
  const lines = new Map<string, RewardBalance>();
  for (const r of rows) {
    const currency = String(r.currency);
    const line = lines.get(currency) ?? { currency, held: 0, payable: 0, settled: 0 };
    line[r.status as 'held' | 'payable' | 'settled'] = num(r.total);
    lines.set(currency, line);
  }
  return [...lines.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

/**
 * `explainReferral(userId).rewards`: the entries of the facts the user took part in (as the one
 * who earns, the referrer or the referee), oldest first, and every rule's decision on those facts:
 * `created` for each entry a fact wrote (not replacements or claw-backs), the stored ones for the rest.
 */
export async function explainRewards(ctx: StoreContext, userId: number): Promise<{ entries: Reward[]; decisions: RewardDecision[] }> {
  const named = (b: any) =>
    b.where((eb: any) => eb.or([eb('user_id', '=', userId), eb('referrer', '=', userId), eb('referee', '=', userId)]));
  const [rows, refused] = await Promise.all([
    named(ctx.db.selectFrom(ctx.tables.reward).selectAll()).orderBy('id').execute() as Promise<RewardRow[]>,
    ctx.db
      .selectFrom(ctx.tables.rewardDecision)
      .selectAll()
      .where((eb) => eb.or([eb('referrer', '=', userId), eb('referee', '=', userId)]))
      .orderBy('id')
      .execute(),
  ]);
  const entries = rows.map(toReward);
  const decisions: RewardDecision[] = [
    ...rows
      .filter((r) => r.replaces === null && r.reversal_of === null)
      .map((r) => ({
        ruleId: r.rule_id,
        conversionId: r.conversion_id === null ? null : num(r.conversion_id),
        outcome: 'created' as const,
        at: new Date(num(r.fact_at)),
        referrerId: r.referrer === null ? null : num(r.referrer),
        refereeId: r.referee === null ? null : num(r.referee),
        nth: null,
      })),
    ...refused.map((d) => ({
      ruleId: String(d.rule_id),
      conversionId: d.conversion_id === null ? null : num(d.conversion_id),
      outcome: d.outcome as RewardOutcome,
      at: new Date(num(d.at)),
      referrerId: d.referrer === null ? null : num(d.referrer),
      refereeId: d.referee === null ? null : num(d.referee),
      nth: d.nth === null ? null : num(d.nth),
    })),
  ];
  decisions.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { entries, decisions };
}

const EXPORT_PAGE = 1000;

/** Every entry created in `[from, to)` with that status, oldest first, a page at a time (flat memory). */
export async function* exportRewardRows(
  ctx: StoreContext,
  q: { from?: Date; to?: Date; status?: RewardStatus | null },
  db: Kysely<any> = ctx.readDb,
): AsyncIterable<Reward> {
  let after = 0;
  for (;;) {
    const rows = (await db
      .selectFrom(ctx.tables.reward)
      .selectAll()
      .where('id', '>', after)
      .$if(!!q.from, (b) => b.where('created_at', '>=', q.from!.getTime()))
      .$if(!!q.to, (b) => b.where('created_at', '<', q.to!.getTime()))
      .$if(!!q.status, (b) => b.where('status', '=', q.status))
      .orderBy('id')
      .limit(EXPORT_PAGE)
      .execute()) as RewardRow[];
    for (const r of rows) yield toReward(r);
    if (rows.length < EXPORT_PAGE) return;
    after = num(rows[rows.length - 1]!.id);
  }
}
