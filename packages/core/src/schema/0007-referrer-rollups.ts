import { type Kysely, sql } from 'kysely';
import type { TableNames } from './table-names.js';

/** This migration's own column types: frozen with it, whatever the live dialects become. */
const TYPES = {
  sqlite: { suffix: '' },
  postgres: { suffix: '' },
  mysql: { suffix: ' character set utf8mb4 collate utf8mb4_bin' },
} as const;

/**
 * The leaderboard's rollups (store/rollups.ts): per closed day and per closed hour, each referrer's
 * referrals (bindings) and counted visits, as two more details of the rollup rows of 0005 and 0006.
 * Derived data, rebuilt from the raw rows whenever missing. `details` on a rollup row says which
 * details its build wrote: 1 (scenes and share types, what builds of 0005 and 0006 wrote), 2 (also
 * the referrers'); a row of 1 is rebuilt when the leaderboard needs it. Frozen.
 */
export function referrerRollups(t: TableNames, dialect: keyof typeof TYPES) {
  const d = TYPES[dialect];
  const text = (n: number) => sql.raw(`varchar(${n})${d.suffix}`);
  return {
    async up(db: Kysely<any>) {
      for (const table of [t.rollupDay, t.rollupHour]) {
        await db.schema
          .alterTable(table)
          .addColumn('details', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
      }
      for (const [table, key, hourly] of [
        [t.rollupReferrals, 'day', false],
        [t.rollupRefVisits, 'day', false],
        [t.rollupHourReferrals, 'hour', true],
        [t.rollupHourRefVisits, 'hour', true],
      ] as const) {
        await db.schema
          .createTable(table)
          .addColumn('scope', text(96), (c) => c.notNull())
          .addColumn(key, 'integer', (c) => c.notNull())
          .addColumn('start_at', 'bigint', (c) => c.notNull())
          .addColumn('referrer', 'integer', (c) => c.notNull())
          .addColumn('n', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pkey`, ['scope', key, 'referrer'])
          .execute();
        // A referrer's rows: the leaderboard's top referrers' visits, and forgetUser's delete.
        await db.schema.createIndex(`${table}_ref_idx`).on(table).columns(['referrer', 'scope', key]).execute();
        // Hourly rows older than two days are dropped by start_at (store/rollups.ts, keptMs).
        if (hourly) await db.schema.createIndex(`${table}_time_idx`).on(table).columns(['start_at']).execute();
      }
    },
  };
}
