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
 * Conversions (docs/conversions.md): what referred users did after they arrived, each credited to
 * the referrer bound when it was recorded, and their refunds.
 * - `conversion.once_key` makes recording idempotent: `o:<orderId>` with an order id, else
 *   `u:<userId>` (a type happens once per user); unique with `type`, so a repeat from any process
 *   inserts nothing. `promocode` is the code of the binding that got the credit (stats by promocode).
 * - `conversion_refund` holds one row per (conversion, refund id): a repeated refund id inserts nothing.
 * - The rollups' conversion details (store/rollups.ts), per closed day and hour: by type, currency
 *   and whether a referrer was credited (global stats), and by referrer and currency (the
 *   leaderboard). `conversions` on a bucket row is their count, `details` 3 says they were written.
 * Frozen.
 */
export function conversions(t: TableNames, dialect: keyof typeof TYPES) {
  const d = TYPES[dialect];
  const text = (n: number) => sql.raw(`varchar(${n})${d.suffix}`);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.conversion)
        .addColumn('id', d.id, (c) => c.primaryKey().$call((c) => (d.increments ? c.autoIncrement() : c)))
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('type', text(32), (c) => c.notNull())
        .addColumn('order_id', text(64))
        .addColumn('once_key', text(66), (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('refunded_amount', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('currency', text(3), (c) => c.notNull())
        .addColumn('referrer', 'integer')
        .addColumn('promocode', text(64))
        .addColumn('detail', text(255))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint(`${t.conversion}_once_key`, ['type', 'once_key'])
        .$call((b) => (d.table ? b.modifyEnd(d.table) : b))
        .execute();
      // Global stats' live part and the exports; one user's (explain, forget, list); one referrer's
      // (stats, list, forget); one promocode's (stats).
      for (const [name, columns] of [
        ['time', ['created_at', 'id']],
        ['user_time', ['user_id', 'created_at']],
        ['referrer_time', ['referrer', 'created_at']],
        ['promocode_time', ['promocode', 'created_at']],
      ] as const) {
        await db.schema
          .createIndex(`${t.conversion}_${name}_idx`)
          .on(t.conversion)
          .columns([...columns])
          .execute();
      }

      await db.schema
        .createTable(t.conversionRefund)
        .addColumn('conversion_id', 'bigint', (c) => c.notNull())
        .addColumn('refund_id', text(64), (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${t.conversionRefund}_pkey`, ['conversion_id', 'refund_id'])
        .$call((b) => (d.table ? b.modifyEnd(d.table) : b))
        .execute();

      for (const table of [t.rollupDay, t.rollupHour]) {
        await db.schema
          .alterTable(table)
          .addColumn('conversions', 'bigint', (c) => c.notNull().defaultTo(0))
          .execute();
      }
      for (const [table, key, hourly] of [
        [t.rollupConversions, 'day', false],
        [t.rollupHourConversions, 'hour', true],
      ] as const) {
        await db.schema
          .createTable(table)
          .addColumn('scope', text(96), (c) => c.notNull())
          .addColumn(key, 'integer', (c) => c.notNull())
          .addColumn('start_at', 'bigint', (c) => c.notNull())
          .addColumn('type', text(32), (c) => c.notNull())
          .addColumn('currency', text(3), (c) => c.notNull())
          .addColumn('referred', 'integer', (c) => c.notNull())
          .addColumn('n', 'bigint', (c) => c.notNull())
          .addColumn('amount', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pkey`, ['scope', key, 'type', 'currency', 'referred'])
          .execute();
        if (hourly) await db.schema.createIndex(`${table}_time_idx`).on(table).columns(['start_at']).execute();
      }
      for (const [table, key, hourly] of [
        [t.rollupRefConversions, 'day', false],
        [t.rollupHourRefConversions, 'hour', true],
      ] as const) {
        await db.schema
          .createTable(table)
          .addColumn('scope', text(96), (c) => c.notNull())
          .addColumn(key, 'integer', (c) => c.notNull())
          .addColumn('start_at', 'bigint', (c) => c.notNull())
          .addColumn('referrer', 'integer', (c) => c.notNull())
          .addColumn('currency', text(3), (c) => c.notNull())
          .addColumn('n', 'bigint', (c) => c.notNull())
          .addColumn('amount', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pkey`, ['scope', key, 'referrer', 'currency'])
          .execute();
        await db.schema.createIndex(`${table}_ref_idx`).on(table).columns(['referrer', 'scope', key]).execute();
        if (hourly) await db.schema.createIndex(`${table}_time_idx`).on(table).columns(['start_at']).execute();
      }
    },
  };
}
