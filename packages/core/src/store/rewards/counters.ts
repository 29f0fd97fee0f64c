import { type Kysely, sql } from 'kysely';
import { builtOnce, runCompiled } from '../compiled.js';
import type { StoreContext } from '../context.js';
import { num } from '../rows.js';

/** A counter row's key: one rule, one user, one period (`''` for all time, `#first` for first conversions, a cap's period). */
export interface CounterKey {
  ruleId: string;
  userId: number;
  period: string;
}

export interface Counts {
  facts: number;
  entries: number;
}

interface Statements {
  /** Adds one fact, creating the row (facts 1, entries 0) when absent; with RETURNING where the dialect has it. */
  countFact: string;
  /** Reads the row after `countFact` where the dialect has no RETURNING (the row is this transaction's, locked). */
  read: string | null;
  addEntry: string;
  removeEntry: string;
}

/** SQL compiled by Kysely once per tracker and run with each call's values (store/compiled.ts). */
const statements = builtOnce((ctx: StoreContext): Statements => {
  const { db, tables: t, dialect: d } = ctx;
  // The key's three parameters come first in every statement's WHERE (amounts are literals).
  const keyed = (q: any) => q.where('rule_id', '=', '').where('user_id', '=', 0).where('period', '=', '');
  const upsert =
    db.insertInto(t.rewardCount).values({ rule_id: '', user_id: 0, period: '', facts: 1, entries: 0 }).compile().sql +
    d.upsertTail(t.rewardCount, ['rule_id', 'user_id', 'period'], { facts: 'add' });
  const read: string = keyed(db.selectFrom(t.rewardCount).select(['facts', 'entries']))
    .modifyEnd(sql.raw(d.updateLock))
    .compile().sql;
  const entries = (change: '+ 1' | '- 1') => {
    const q = keyed(db.updateTable(t.rewardCount).set({ entries: sql`entries ${sql.raw(change)}` }));
    return (change === '- 1' ? q.where(sql<boolean>`entries > 0`) : q).compile().sql as string;
  };
  return {
    countFact: d.returning ? `${upsert} returning facts, entries` : upsert,
    read: d.returning ? null : read,
    addEntry: entries('+ 1'),
    removeEntry: entries('- 1'),
  };
});

const keyParameters = (key: CounterKey) => [key.ruleId, key.userId, key.period];

/**
 * Counts one fact in a counter row, created when absent, in one upsert (and a read of the row
 * after it where the dialect answers no RETURNING): the upsert locks the row for writing until
 * the transaction ends, so every writer that counts for this (rule, user, period) waits for the one
 * before it to commit, and milestones, caps and first conversions hold under any number of
 * concurrent writers and processes (on SQLite, writes already take turns). Answers the counts
 * after the fact: `facts` includes it, `entries` is as it was.
 */
export async function countFact(ctx: StoreContext, trx: Kysely<any>, key: CounterKey): Promise<Counts> {
  const s = statements(ctx);
  const { rows } = await runCompiled<{ facts: unknown; entries: unknown }>(trx, s.countFact, [...keyParameters(key), 1, 0]);
  const row = s.read ? (await runCompiled<{ facts: unknown; entries: unknown }>(trx, s.read, keyParameters(key))).rows[0] : rows[0];
  if (!row) throw new Error(`reward counter ${key.ruleId}/${key.userId}/${key.period} missing after its upsert`);
  return { facts: num(row.facts), entries: num(row.entries) };
}

/** Counts an entry toward a cap, in a counter row this transaction holds (`countFact` first). */
export async function countEntry(ctx: StoreContext, trx: Kysely<any>, key: CounterKey): Promise<void> {
  await runCompiled(trx, statements(ctx).addEntry, keyParameters(key));
}

/** An entry that counted toward a cap was reversed or voided: its period has room again. */
export async function uncount(
  ctx: StoreContext,
  trx: Kysely<any>,
  row: { rule_id: string; user_id: number | null; cap_period: string | null },
): Promise<void> {
  if (row.user_id === null || row.cap_period === null) return;
  await runCompiled(
    trx,
    statements(ctx).removeEntry,
    keyParameters({ ruleId: row.rule_id, userId: num(row.user_id), period: row.cap_period }),
  );
}
