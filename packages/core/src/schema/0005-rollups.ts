import { type Kysely, sql } from 'kysely';
import type { TableNames } from './table-names.js';

/** This migration's own column types: frozen with it, whatever the live dialects become. */
const TYPES = {
  sqlite: { bytes: 'blob', suffix: '' },
  postgres: { bytes: 'bytea', suffix: '' },
  mysql: { bytes: 'mediumblob', suffix: ' character set utf8mb4 collate utf8mb4_bin' },
} as const;

/**
 * Daily rollups of closed days (store/rollups.ts): derived data, rebuilt from the raw rows whenever
 * it is missing. `scope` names what a row was counted for (the tracker's zone, attribution model and
 * excluded scenes), `day` is the local day number, `[start_at, end_at)` its instants (what writes
 * and forgets match on); `ready` is 0 while a build runs, `token` says whose build it is. Frozen.
 */
export function rollups(t: TableNames, dialect: keyof typeof TYPES) {
  const d = TYPES[dialect];
  const text = (n: number) => sql.raw(`varchar(${n})${d.suffix}`);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.rollupDay)
        .addColumn('scope', text(96), (c) => c.notNull())
        .addColumn('day', 'integer', (c) => c.notNull())
        .addColumn('start_at', 'bigint', (c) => c.notNull())
        .addColumn('end_at', 'bigint', (c) => c.notNull())
        .addColumn('token', text(32), (c) => c.notNull())
        .addColumn('ready', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('visits', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('new_user_visits', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('shares', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('referrals', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('users', sql.raw(d.bytes))
        .addPrimaryKeyConstraint(`${t.rollupDay}_pkey`, ['scope', 'day'])
        .execute();
      await db.schema.createIndex(`${t.rollupDay}_time_idx`).on(t.rollupDay).columns(['start_at']).execute();

      for (const [table, key, type] of [
        [t.rollupScene, 'scene', text(32)],
        [t.rollupShareType, 'share_type', sql.raw('integer')],
      ] as const) {
        await db.schema
          .createTable(table)
          .addColumn('scope', text(96), (c) => c.notNull())
          .addColumn('day', 'integer', (c) => c.notNull())
          .addColumn('start_at', 'bigint', (c) => c.notNull())
          .addColumn(key, type, (c) => c.notNull())
          .addColumn('n', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pkey`, ['scope', 'day', key])
          .execute();
        await db.schema.createIndex(`${table}_time_idx`).on(table).columns(['start_at']).execute();
      }
    },
  };
}
