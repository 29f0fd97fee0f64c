import { type Kysely, sql } from 'kysely';
import type { TableNames } from './table-names.js';

/** This migration's own column types: frozen with it, whatever the live dialects become. */
const TYPES = {
  sqlite: { id: 'integer', increments: true, suffix: '', table: null },
  postgres: { id: 'bigserial', increments: false, suffix: '', table: null },
  mysql: {
    id: 'bigint',
    increments: true,
    suffix: ' character set utf8mb4 collate utf8mb4_bin',
    table: sql.raw('character set utf8mb4 collate utf8mb4_bin'),
  },
} as const;

/**
 * The code images' queue and budget (docs/wxacode.md). `code_job`: one row per promo whose image is
 * or was wanted (`promo_id` unique: queueing twice queues nothing), with its scene and page copied
 * from the promo (which never change), `status` pending / done / failed, and a worker's `claim` with
 * `next_attempt_at` pushed ahead as its lease, as in the webhook outbox; `errcode` / `errmsg` keep
 * WeChat's last answer. `code_budget`: one row per call a window allows (`slot` 1…maxPerMinute),
 * `taken_at` when it was last spent (moved to when that call ended), `claim` whose call it paid for:
 * a call takes a slot whose last use left the window, in one statement, so every process of the
 * database shares one sliding window. Frozen.
 */
export function codeJobs(t: TableNames, dialect: keyof typeof TYPES) {
  const d = TYPES[dialect];
  const text = (n: number) => sql.raw(`varchar(${n})${d.suffix}`);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.codeJob)
        .addColumn('id', d.id, (c) => c.primaryKey().$call((c) => (d.increments ? c.autoIncrement() : c)))
        .addColumn('promo_id', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('scene', text(32), (c) => c.notNull())
        .addColumn('page', text(255))
        .addColumn('status', text(16), (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('claim', text(16))
        .addColumn('errcode', 'integer')
        .addColumn('errmsg', text(255))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint(`${t.codeJob}_promo_key`, ['promo_id'])
        .$call((b) => (d.table ? b.modifyEnd(d.table) : b))
        .execute();
      await db.schema.createIndex(`${t.codeJob}_due_idx`).on(t.codeJob).columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex(`${t.codeJob}_user_idx`).on(t.codeJob).columns(['user_id']).execute();

      await db.schema
        .createTable(t.codeBudget)
        .addColumn('slot', 'integer', (c) => c.primaryKey())
        .addColumn('taken_at', 'bigint', (c) => c.notNull())
        .addColumn('claim', text(16))
        .$call((b) => (d.table ? b.modifyEnd(d.table) : b))
        .execute();
      await db.schema.createIndex(`${t.codeBudget}_taken_idx`).on(t.codeBudget).columns(['taken_at', 'slot']).execute();
    },
  };
}
