import { periodKey } from '../../model/rewards.js';
import type { FlagStatus } from '../../model/abuse.js';
import type { StoreContext } from '../context.js';
import type { RewardCounterRow, RewardWrites } from '../dialects/dialect.js';
import { PENDING_REWARD_ID } from '../dialects/optimistic-visit.js';
import type { Books, DecisionRow } from './books.js';
import type { CounterKey } from './counters.js';
import { type NewEntry, toReward } from './rows.js';

/** What an optimistic first visit's first statement read for its binding's rules (docs/concurrency.md, "Round trips"). */
export interface RewardReads {
  /** The referee's review status (store/abuse/review.ts), `null`: none. */
  review: string | null;
  /** The rules' counter rows of the owner and the user, in the periods `bindingPeriods` named. */
  counters: RewardCounterRow[];
}

/**
 * What a binding's rules write, planned from the reads and written with the binding's own statement:
 * each counter counted (`facts`: its count as read; the write adds one fact and `entries`, and fails
 * if the row no longer has that count), the entries and the decisions (their `track_id` is the
 * binding's track, which the write knows).
 */
export interface RewardPlan extends RewardWrites {
  counters: RewardCounterRow[];
  entries: NewEntry[];
  decisions: DecisionRow[];
}

/** A rule asked for a counter the first statement did not read: the transaction decides. */
export const UNREAD_COUNTER = Symbol('unread counter');

/**
 * The counter periods a binding's rules may count in at `at`: all time, first conversions, each
 * cap's period. A period missed here only sends the visit to the transaction (`UNREAD_COUNTER`).
 */
export function bindingPeriods(ctx: StoreContext, at: number): string[] {
  const periods = new Set(['', '#first']);
  for (const rule of ctx.rewards) if (rule.cap) periods.add(periodKey(rule.cap.per, ctx.zone.dayOf(at)));
  return [...periods];
}

/** Books (books.ts) that answer from the reads and write into a plan. */
export function plannedBooks(reads: RewardReads, periods: string[]): { books: Books; plan: RewardPlan } {
  const plan: RewardPlan = { counters: [], entries: [], decisions: [], messages: [] };
  const same = (a: RewardCounterRow, key: CounterKey) => a.rule_id === key.ruleId && a.user_id === key.userId && a.period === key.period;
  const books: Books = {
    reviewStatus: async () => reads.review as FlagStatus | null,
    async countFact(key) {
      // Each key is counted once per fact: a second count would need the write to add two.
      if (!periods.includes(key.period) || plan.counters.some((c) => same(c, key))) throw UNREAD_COUNTER;
      const read = reads.counters.find((c) => same(c, key));
      plan.counters.push({ rule_id: key.ruleId, user_id: key.userId, period: key.period, facts: read?.facts ?? 0, entries: 0 });
      return { facts: (read?.facts ?? 0) + 1, entries: read?.entries ?? 0 };
    },
    async countEntry(key) {
      plan.counters.find((c) => same(c, key))!.entries += 1;
    },
    async insertEntry(entry) {
      plan.entries.push(entry);
      // Its id is the write's: its `reward.created` message holds a stand-in the write replaces.
      return toReward({ ...entry, id: PENDING_REWARD_ID });
    },
    async writeDecision(row) {
      plan.decisions.push(row);
    },
  };
  return { books, plan };
}
