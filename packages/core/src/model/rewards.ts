/**
 * The rewards ledger's public types and its pure rules: what a rule pays for a fact, in which
 * calendar period a cap counts it. Storage (store/rewards/) asks these; docs/rewards.md explains them.
 */

/** What a rule pays for: a binding, or a conversion of one type. */
export type RewardTrigger = 'referral.bound' | { conversion: string };

/** One rule of the `rewards` option (docs/rewards.md); checked at `createTracker`. */
export interface RewardRule {
  /** 1–32 of `[a-z0-9_-]`, unique among the rules; stored on every entry it writes. */
  id: string;
  /** A binding (`'referral.bound'`), or a conversion of that type (`{ conversion: 'first_order' }`). */
  on: RewardTrigger;
  /** Who earns it: the referrer, or the referred user (double-sided programs have one rule for each side). */
  to: 'referrer' | 'referee';
  /** A fixed amount, in minor units (fen for CNY). Exactly one of `amount` and `percent`. */
  amount?: number;
  /** Conversion rules only: a percentage (0 < p ≤ 100) of the conversion's amount, rounded down. */
  percent?: number;
  /** Default: the conversion's currency, else `'CNY'`. */
  currency?: string;
  /** Days before an entry becomes payable (a refund window). Default 0. */
  holdDays?: number;
  /** Conversion rules only: within this many days of the referee's binding. */
  withinDays?: number;
  /** Conversion rules only: the referee's first conversion of that type. */
  firstOnly?: boolean;
  /** A milestone: the beneficiary's every Nth qualifying fact (5 → the 5th, 10th, …). */
  every?: number;
  /** At most `count` entries per beneficiary per calendar period in the tracker's `timeZone`. */
  cap?: { count: number; per: 'day' | 'week' | 'month' | 'all' };
}

/** Where an entry stands: `held` → `payable` → `settled`; or `reversed` (a refund, a rebinding), `voided` (an operator). */
export type RewardStatus = 'held' | 'payable' | 'settled' | 'reversed' | 'voided';

/** One ledger entry. Amounts are never edited: a change is a new entry (`replaces`, `reversalOf`). */
export interface Reward {
  /** The entry's id, increasing in the order entries were written. */
  id: number;
  /** The rule that wrote it. */
  ruleId: string;
  /** Who earns it (the referrer or the referee of the fact); `null` once forgotten (settled entries stay). */
  userId: number | null;
  /** The fact's referrer (for a conversion, the referrer it was credited to). */
  referrerId: number | null;
  /** The fact's referred user (for a conversion, the user who converted). */
  refereeId: number | null;
  /** The conversion that earned it; `null` for a binding's entry. */
  conversionId: number | null;
  /** In minor units; negative for a claw-back. */
  amount: number;
  /** ISO 4217, e.g. `CNY`. */
  currency: string;
  /** Where it is in its lifecycle (docs/rewards.md). */
  status: RewardStatus;
  /** When a `held` entry becomes payable: the fact's time plus the rule's `holdDays`. */
  payableAt: Date;
  /** When it was written. */
  createdAt: Date;
  /** When `settleRewards` marked it paid; `null` until then. */
  settledAt: Date | null;
  /** The reversed entry whose amount this one recomputes (a partial refund under a percent rule). */
  replaces: number | null;
  /** The settled entry this negative one claws back. */
  reversalOf: number | null;
  /** Why it was reversed or voided, in words a host can show. */
  note: string | null;
}

/**
 * What a rule did with a fact: `created`, or why it wrote nothing, or `held_for_review` (an entry
 * written and held: the referee's binding was flagged, docs/abuse.md), or `voided_by_review` (nothing
 * written: an operator voided the referee's flags, and with them every reward of theirs to come).
 */
export type RewardOutcome =
  'created' | 'no_referrer' | 'outside_window' | 'not_first' | 'not_milestone' | 'capped' | 'held_for_review' | 'voided_by_review';

/** What a rule that matched a fact did: `created` an entry, or why not (`explainReferral().rewards.decisions`). */
export interface RewardDecision {
  /** The rule's `id`. */
  ruleId: string;
  /** The conversion it was taken for; `null` for a binding. */
  conversionId: number | null;
  /** What it did. */
  outcome: RewardOutcome;
  /** The fact's time. */
  at: Date;
  /** The fact's parties (for words such as "the 11th referral this month"); not on the wire. */
  referrerId?: number | null;
  /** The fact's referred user (or the user who converted). */
  refereeId?: number | null;
  /** The count behind `not_milestone` / `capped`: the fact's number in its period or run. */
  nth?: number | null;
}

/** `rewardBalance`: one line per currency. */
export interface RewardBalance {
  /** ISO 4217, e.g. `CNY`. */
  currency: string;
  /** The sum of `held` entries, in minor units. */
  held: number;
  /** The sum of `payable` entries, claw-backs included (negative). */
  payable: number;
  /** The sum of `settled` entries. */
  settled: number;
}

/** `listRewards`: newest first, in pages. */
export interface ListRewardsOptions {
  /** Only the entries this user earns. */
  userId?: number;
  /** Only entries in this status. */
  status?: RewardStatus;
  /** Default 50, at most 500. */
  limit?: number;
  /** The previous page's `nextCursor`. */
  cursor?: string | null;
}

/** `exportRewards`: every entry written in a range, oldest first. */
export interface RewardExportQuery {
  /** Entries written at or after this time. */
  from?: Date;
  /** Entries written before this time. */
  to?: Date;
  /** Only entries in this status. */
  status?: RewardStatus;
}

/** A calendar period's key for a cap, from a local day number (days since 1970-01-01 in `timeZone`). */
export function periodKey(per: NonNullable<RewardRule['cap']>['per'], localDay: number): string {
  if (per === 'all') return 'all';
  const date = new Date(localDay * 86_400_000).toISOString();
  if (per === 'day') return `d${date.slice(0, 10)}`;
  if (per === 'month') return `m${date.slice(0, 7)}`;
  // Weeks start on Monday (1970-01-05, local day 4, was one).
  const monday = localDay - ((((localDay - 4) % 7) + 7) % 7);
  return `w${new Date(monday * 86_400_000).toISOString().slice(0, 10)}`;
}

/**
 * A rule's amount for a conversion of `amount` of which `refunded` has been refunded: the fixed
 * amount (taken back only by a full refund, see store/rewards), or `percent` of what remains,
 * rounded down (exact in integers).
 */
export function ruleAmount(rule: Pick<RewardRule, 'amount' | 'percent'>, amount: number, refunded: number): number {
  if (rule.percent === undefined) return rule.amount ?? 0;
  const net = Math.max(0, amount - refunded);
  const micro = BigInt(Math.round(rule.percent * 1_000_000));
  return Number((BigInt(net) * micro) / 100_000_000n);
}

/** A fixed amount is taken back only by a full refund; a percent follows every refund. */
export const followsRefunds = (rule: Pick<RewardRule, 'percent'>): boolean => rule.percent !== undefined;
