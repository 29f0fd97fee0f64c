import { type Kysely, sql } from 'kysely';
import type { TableNames } from './table-names.js';

/** This migration's own column types: frozen with it, whatever the live dialects become. */
const TYPES = {
  sqlite: { id: 'integer', increments: true, text: (n: number) => sql.raw(`varchar(${n})`), table: null },
  postgres: { id: 'bigserial', increments: false, text: (n: number) => sql.raw(`varchar(${n})`), table: null },
  mysql: {
    id: 'bigint',
    increments: true,
    text: (n: number) => sql.raw(`varchar(${n}) character set utf8mb4 collate utf8mb4_bin`),
    table: sql.raw('character set utf8mb4 collate utf8mb4_bin'),
  },
} as const;

/**
 * The rewards ledger (docs/rewards.md). `reward`: one row per entry, written in the transaction of
 * the binding or conversion that earned it; amounts are never updated (a change is a new row);
 * `cap_period` is the counter row the entry counts under (so a reversal frees the right period
 * whatever the rules became), `review` = 1 keeps a `held` entry from `releaseDueRewards` (abuse
 * review, issue 28). `reward_decision`: why a rule that matched a fact wrote nothing. `reward_count`:
 * one row per (rule, user, period), locked by every writer that counts for that user (milestones,
 * caps, first conversions), so the counts hold under concurrent writers. Frozen.
 */
export function rewards(t: TableNames, dialect: keyof typeof TYPES) {
  const d = TYPES[dialect];
  const id = (c: any) => c.primaryKey().$call((c: any) => (d.increments ? c.autoIncrement() : c));
  const table = <B extends { modifyEnd(s: any): B }>(b: B) => (d.table ? b.modifyEnd(d.table) : b);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.reward)
        .addColumn('id', d.id, id)
        .addColumn('rule_id', d.text(32), (c) => c.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('referrer', 'integer')
        .addColumn('referee', 'integer')
        .addColumn('conversion_id', 'bigint')
        .addColumn('track_id', 'bigint')
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', d.text(3), (c) => c.notNull())
        .addColumn('status', d.text(16), (c) => c.notNull())
        .addColumn('review', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('fact_at', 'bigint', (c) => c.notNull())
        .addColumn('payable_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('settled_at', 'bigint')
        .addColumn('replaces', 'bigint')
        .addColumn('reversal_of', 'bigint')
        .addColumn('cap_period', d.text(16))
        .addColumn('note', d.text(255))
        .$call(table)
        .execute();
      for (const [name, columns] of [
        ['user', ['user_id', 'id']],
        ['due', ['status', 'payable_at']],
        ['conversion', ['conversion_id']],
        ['referee', ['referee', 'id']],
        ['referrer', ['referrer']],
        ['time', ['created_at']],
      ] as const) {
        await db.schema
          .createIndex(`${t.reward}_${name}_idx`)
          .on(t.reward)
          .columns([...columns])
          .execute();
      }

      await db.schema
        .createTable(t.rewardDecision)
        .addColumn('id', d.id, id)
        .addColumn('rule_id', d.text(32), (c) => c.notNull())
        .addColumn('referrer', 'integer')
        .addColumn('referee', 'integer')
        .addColumn('conversion_id', 'bigint')
        .addColumn('track_id', 'bigint')
        .addColumn('outcome', d.text(16), (c) => c.notNull())
        .addColumn('nth', 'bigint')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .$call(table)
        .execute();
      await db.schema.createIndex(`${t.rewardDecision}_referee_idx`).on(t.rewardDecision).columns(['referee', 'id']).execute();
      await db.schema.createIndex(`${t.rewardDecision}_referrer_idx`).on(t.rewardDecision).columns(['referrer', 'id']).execute();

      await db.schema
        .createTable(t.rewardCount)
        .addColumn('rule_id', d.text(32), (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('period', d.text(16), (c) => c.notNull())
        .addColumn('facts', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('entries', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint(`${t.rewardCount}_pkey`, ['rule_id', 'user_id', 'period'])
        .$call(table)
        .execute();
      await db.schema.createIndex(`${t.rewardCount}_user_idx`).on(t.rewardCount).columns(['user_id']).execute();
    },
  };
}
