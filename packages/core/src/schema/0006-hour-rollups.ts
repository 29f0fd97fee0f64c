import { type Kysely, sql } from 'kysely';
import type { TableNames } from './table-names.js';

/** This migration's own column types: frozen with it, whatever the live dialects become. */
const TYPES = {
  sqlite: { bytes: 'blob', suffix: '' },
  postgres: { bytes: 'bytea', suffix: '' },
  mysql: { bytes: 'mediumblob', suffix: ' character set utf8mb4 collate utf8mb4_bin' },
} as const;

/**
 * Hourly rollups of closed hours (store/rollups.ts), the daily ones' twins: derived data, rebuilt
 * from the raw rows whenever it is missing. `hour` is the UTC hour number (`start_at / 3600000`),
 * the same in every zone; `scope` names the attribution model and excluded scenes it was counted for;
 * `ready` is 0 while a build runs, `token` says whose build it is. Frozen.
 */
export function hourRollups(t: TableNames, dialect: keyof typeof TYPES) {
  const d = TYPES[dialect];
  const text = (n: number) => sql.raw(`varchar(${n})${d.suffix}`);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.rollupHour)
        .addColumn('scope', text(96), (c) => c.notNull())
        .addColumn('hour', 'integer', (c) => c.notNull())
        .addColumn('start_at', 'bigint', (c) => c.notNull())
        .addColumn('end_at', 'bigint', (c) => c.notNull())
        .addColumn('token', text(32), (c) => c.notNull())
        .addColumn('ready', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('visits', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('new_user_visits', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('shares', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('referrals', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('users', sql.raw(d.bytes))
        .addPrimaryKeyConstraint(`${t.rollupHour}_pkey`, ['scope', 'hour'])
        .execute();
      await db.schema.createIndex(`${t.rollupHour}_time_idx`).on(t.rollupHour).columns(['start_at']).execute();

      for (const [table, key, type] of [
        [t.rollupHourScene, 'scene', text(32)],
        [t.rollupHourShareType, 'share_type', sql.raw('integer')],
      ] as const) {
        await db.schema
          .createTable(table)
          .addColumn('scope', text(96), (c) => c.notNull())
          .addColumn('hour', 'integer', (c) => c.notNull())
          .addColumn('start_at', 'bigint', (c) => c.notNull())
          .addColumn(key, type, (c) => c.notNull())
          .addColumn('n', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pkey`, ['scope', 'hour', key])
          .execute();
        await db.schema.createIndex(`${table}_time_idx`).on(table).columns(['start_at']).execute();
      }
    },
  };
}
