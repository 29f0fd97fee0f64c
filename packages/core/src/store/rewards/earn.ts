import type { Kysely } from 'kysely';
import { periodKey, type Reward, type RewardOutcome, type RewardRule, ruleAmount } from '../../model/rewards.js';
import { type OutboxEvent, rewardEvent } from '../../model/webhook-events.js';
import { DAY_MS } from '../../days/time-zone.js';
import type { StoreContext } from '../context.js';
import { wants } from '../outbox/index.js';
import type { FlagStatus } from '../../model/abuse.js';
import { type Books, transactionBooks } from './books.js';

/** A committed-with-this-transaction binding or conversion, as the rules see it. */
export interface RewardFact {
  /** The referrer: the binding's, or the one the conversion was credited to (`null`: the user is not bound). */
  referrerId: number | null;
  /** The bound user, or the user who converted. */
  refereeId: number;
  /** The fact's time (the binding visit's or the conversion's `createdAt`), ms. */
  at: number;
  /** The binding's visit; `null` for a conversion. */
  trackId: number | null;
  /** Set for a conversion; `boundAt`: when the user's current binding was made (for `withinDays`). */
  conversion: { id: number; type: string; amount: number; currency: string; boundAt: number | null } | null;
  /** A last-touch rebinding: it pays the new referrer; the referee was welcomed at their first binding. */
  rebinding?: boolean;
  /**
   * A flagged binding (abuse signals, docs/abuse.md): every entry it earns is written `held` with
   * the decision `held_for_review`, and waits for an operator however due it is. Unset, the
   * referee's review decides: open → held for review, voided → nothing paid (`voided_by_review`).
   */
  review?: boolean;
}

/** What the rules wrote for one fact: the entries, and the outbox events that report them. */
export interface Earned {
  entries: Reward[];
  events: OutboxEvent[];
}

const matches = (rule: RewardRule, fact: RewardFact): boolean =>
  fact.conversion === null
    ? rule.on === 'referral.bound' && !(fact.rebinding && rule.to === 'referee')
    : typeof rule.on === 'object' && rule.on.conversion === fact.conversion.type;

/**
 * Runs every rule that matches the fact, in the fact's transaction: each writes an entry or leaves
 * the decision that says why not (docs/rewards.md). Milestones, caps and first conversions are
 * counted in per-user counter rows locked here (counters.ts), so they hold under concurrency.
 */
export function earn(ctx: StoreContext, trx: Kysely<any>, fact: RewardFact, now = Date.now()): Promise<Earned> {
  return earnIn(ctx, transactionBooks(ctx, trx), fact, now);
}

/** `earn` with its reads and writes in `books` (books.ts). */
export async function earnIn(ctx: StoreContext, books: Books, fact: RewardFact, now = Date.now()): Promise<Earned> {
  const earned: Earned = { entries: [], events: [] };
  let review: FlagStatus | null | undefined = fact.review ? 'open' : undefined;
  for (const rule of ctx.rewards) {
    if (!matches(rule, fact)) continue;
    // Asked once per fact, and only when a rule matches: the referee's standing in the review queue
    // (asked even with the checks off now: a flag raised while they were on still holds or voids).
    if (review === undefined) review = await books.reviewStatus(fact.refereeId);
    if (review === 'voided') {
      await writeDecision(books, rule, fact, 'voided_by_review', null);
      continue;
    }
    const held = review === 'open';
    const { outcome, nth, capPeriod } = await judge(ctx, books, rule, fact);
    if (outcome !== 'created') {
      await writeDecision(books, rule, fact, outcome, nth);
      continue;
    }
    const beneficiary = rule.to === 'referrer' ? fact.referrerId! : fact.refereeId;
    const amount = fact.conversion ? ruleAmount(rule, fact.conversion.amount, 0) : rule.amount!;
    const payableAt = fact.at + (rule.holdDays ?? 0) * DAY_MS;
    const reward = await books.insertEntry({
      rule_id: rule.id,
      user_id: beneficiary,
      referrer: fact.referrerId,
      referee: fact.refereeId,
      conversion_id: fact.conversion?.id ?? null,
      track_id: fact.trackId,
      amount,
      currency: rule.currency ?? fact.conversion?.currency ?? 'CNY',
      status: held || payableAt > now ? 'held' : 'payable',
      review: held ? 1 : 0,
      fact_at: fact.at,
      payable_at: payableAt,
      created_at: now,
      settled_at: null,
      replaces: null,
      reversal_of: null,
      cap_period: capPeriod,
      note: null,
    });
    if (held) await writeDecision(books, rule, fact, 'held_for_review', null);
    earned.entries.push(reward);
    // Built only when an endpoint wants it (the wire shape costs more than the entry's insert).
    if (wants(ctx, 'reward.created')) earned.events.push(rewardEvent('reward.created', reward));
  }
  return earned;
}

interface Judgement {
  outcome: RewardOutcome;
  /** The fact's number behind `not_milestone` (its run) or `capped` (its period). */
  nth: number | null;
  /** The counter period the entry counts under, when the rule has a cap. */
  capPeriod: string | null;
}

/** The rule's conditions in order: first conversion (counted for every conversion), referrer, window, milestone, cap. */
async function judge(ctx: StoreContext, books: Books, rule: RewardRule, fact: RewardFact): Promise<Judgement> {
  const refused = (outcome: RewardOutcome, nth: number | null = null): Judgement => ({ outcome, nth, capPeriod: null });
  let first = true;
  if (rule.firstOnly) {
    // Every conversion of the type counts, bound or not, so that "first" means the user's first.
    first = (await books.countFact({ ruleId: rule.id, userId: fact.refereeId, period: '#first' })).facts === 1;
  }
  if (fact.referrerId === null) return refused('no_referrer');
  const conv = fact.conversion;
  if (rule.withinDays !== undefined && conv && (conv.boundAt === null || fact.at - conv.boundAt > rule.withinDays * DAY_MS))
    return refused('outside_window');
  if (!first) return refused('not_first');
  const beneficiary = rule.to === 'referrer' ? fact.referrerId : fact.refereeId;
  if (rule.every !== undefined) {
    const { facts } = await books.countFact({ ruleId: rule.id, userId: beneficiary, period: '' });
    if (facts % rule.every !== 0) return refused('not_milestone', facts);
  }
  if (!rule.cap) return { outcome: 'created', nth: null, capPeriod: null };
  const key = { ruleId: rule.id, userId: beneficiary, period: periodKey(rule.cap.per, ctx.zone.dayOf(fact.at)) };
  const c = await books.countFact(key);
  const counted = c.entries < rule.cap.count;
  if (counted) await books.countEntry(key);
  // `facts`: the fact's number in its period ("the 11th referral this month, the rule pays 10").
  return counted ? { outcome: 'created', nth: null, capPeriod: key.period } : refused('capped', c.facts);
}

async function writeDecision(books: Books, rule: RewardRule, fact: RewardFact, outcome: RewardOutcome, nth: number | null) {
  await books.writeDecision({
    rule_id: rule.id,
    referrer: fact.referrerId,
    referee: fact.refereeId,
    conversion_id: fact.conversion?.id ?? null,
    track_id: fact.trackId,
    outcome,
    nth,
    at: fact.at,
  });
}
