import type { Kysely } from 'kysely';
import type { FlagStatus } from '../../model/abuse.js';
import type { Reward } from '../../model/rewards.js';
import type { StoreContext } from '../context.js';
import { reviewStatus } from '../abuse/index.js';
import { insertRow } from '../insert.js';
import { countEntry, type CounterKey, type Counts, countFact } from './counters.js';
import { insertEntry, type NewEntry } from './rows.js';

/** A `reward_decision` row: why a rule that matched a fact wrote no entry. */
export interface DecisionRow {
  rule_id: string;
  referrer: number | null;
  referee: number;
  conversion_id: number | null;
  track_id: number | null;
  outcome: string;
  nth: number | null;
  at: number;
}

/**
 * Where the rules (earn.ts) read their counters and write their rows: the fact's transaction
 * (`transactionBooks`), or the plan an optimistic first visit writes with its binding (planned-books.ts).
 */
export interface Books {
  reviewStatus(refereeId: number): Promise<FlagStatus | null>;
  /** Counts one fact in the key's counter; answers the counts after it (`facts` includes it). */
  countFact(key: CounterKey): Promise<Counts>;
  /** Counts an entry toward a cap, in a counter `countFact` just counted in. */
  countEntry(key: CounterKey): Promise<void>;
  insertEntry(entry: NewEntry): Promise<Reward>;
  writeDecision(row: DecisionRow): Promise<void>;
}

/** The books as the fact's transaction keeps them: each read and write a statement in `trx`. */
export const transactionBooks = (ctx: StoreContext, trx: Kysely<any>): Books => ({
  reviewStatus: (refereeId) => reviewStatus(ctx, trx, refereeId),
  countFact: (key) => countFact(ctx, trx, key),
  countEntry: (key) => countEntry(ctx, trx, key),
  insertEntry: async (entry) => (await insertEntry(ctx, trx, entry)).reward,
  writeDecision: async (row) => {
    await insertRow(trx, ctx.dialect, ctx.tables.rewardDecision, { ...row });
  },
});
