import { type Kysely, sql } from 'kysely';
import type { TableNames } from './table-names.js';

/** This migration's own column types: frozen with it, whatever the live dialects become. */
const TYPES = {
  sqlite: { id: 'integer', increments: true, text: (n: number) => sql.raw(`varchar(${n})`), body: 'text', table: null },
  postgres: { id: 'bigserial', increments: false, text: (n: number) => sql.raw(`varchar(${n})`), body: 'text', table: null },
  mysql: {
    id: 'bigint',
    increments: true,
    text: (n: number) => sql.raw(`varchar(${n}) character set utf8mb4 collate utf8mb4_bin`),
    body: sql.raw('mediumtext character set utf8mb4 collate utf8mb4_bin'),
    table: sql.raw('character set utf8mb4 collate utf8mb4_bin'),
  },
} as const;

/**
 * The webhook outbox (docs/webhooks.md): one row per event and endpoint, inserted in the
 * transaction of the fact it reports. `token` makes the `webhook-id` unguessable and never reused
 * (ids can be reused after a delete on some databases); `names` lists the user ids the payload
 * names (`,1,2,`) so that forgetUser can delete undelivered ones; a sender's `claim` and a
 * `next_attempt_at` pushed ahead are its lease. Frozen, like 0001.
 */
export function outbox(t: TableNames, dialect: keyof typeof TYPES) {
  const d = TYPES[dialect];
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.webhookMessage)
        .addColumn('id', d.id, (c) => c.primaryKey().$call((c) => (d.increments ? c.autoIncrement() : c)))
        .addColumn('token', d.text(16), (c) => c.notNull())
        .addColumn('endpoint', d.text(16), (c) => c.notNull())
        .addColumn('type', d.text(32), (c) => c.notNull())
        .addColumn('payload', d.body, (c) => c.notNull())
        .addColumn('names', d.text(64), (c) => c.notNull().defaultTo(''))
        .addColumn('status', d.text(16), (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('claim', d.text(16))
        .addColumn('last_error', d.text(255))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .$call((b) => (d.table ? b.modifyEnd(d.table) : b))
        .execute();
      await db.schema.createIndex(`${t.webhookMessage}_due_idx`).on(t.webhookMessage).columns(['status', 'next_attempt_at']).execute();
    },
  };
}
