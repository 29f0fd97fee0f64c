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
 * Abuse signals (docs/abuse.md). `signal`: one row per (user, kind, keyed hash) — never a raw IP or
 * device id — with when it was last seen and whether it came with the user's first visit as a new
 * user (`new_user`, what `device_cluster` counts). `abuse_counter`: one row per referrer (`r:<id>`)
 * and per device hash (`d:<hash>`), locked by every binding check that counts for it, so the checks
 * hold under concurrent writers (`n`: the bindings checked). `flag`: one row per flagged binding (its
 * visit's track id; kept when purge archives the track). `flag_review`: one row per flagged referee,
 * the operator's queue (`open`, `released`, `voided`). Frozen.
 */
export function abuseSignals(t: TableNames, dialect: keyof typeof TYPES) {
  const d = TYPES[dialect];
  const table = <B extends { modifyEnd(s: any): B }>(b: B) => (d.table ? b.modifyEnd(d.table) : b);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.signal)
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('kind', d.text(8), (c) => c.notNull())
        .addColumn('hash', d.text(32), (c) => c.notNull())
        .addColumn('seen_at', 'bigint', (c) => c.notNull())
        .addColumn('new_user', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint(`${t.signal}_pkey`, ['user_id', 'kind', 'hash'])
        .$call(table)
        .execute();
      await db.schema.createIndex(`${t.signal}_hash_idx`).on(t.signal).columns(['kind', 'hash', 'new_user']).execute();

      await db.schema
        .createTable(t.abuseCounter)
        .addColumn('name', d.text(48), (c) => c.primaryKey())
        .addColumn('n', 'bigint', (c) => c.notNull().defaultTo(0))
        .$call(table)
        .execute();

      await db.schema
        .createTable(t.flag)
        .addColumn('track_id', 'bigint', (c) => c.primaryKey())
        .addColumn('referee', 'integer', (c) => c.notNull())
        .addColumn('referrer', 'integer', (c) => c.notNull())
        .addColumn('flags', d.text(64), (c) => c.notNull())
        .addColumn('matches', d.text(255), (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .$call(table)
        .execute();
      await db.schema.createIndex(`${t.flag}_referee_idx`).on(t.flag).columns(['referee']).execute();
      await db.schema.createIndex(`${t.flag}_referrer_idx`).on(t.flag).columns(['referrer']).execute();

      await db.schema
        .createTable(t.flagReview)
        .addColumn('id', d.id, (c) => c.primaryKey().$call((c) => (d.increments ? c.autoIncrement() : c)))
        .addColumn('referee', 'integer', (c) => c.notNull().unique())
        .addColumn('referrer', 'integer', (c) => c.notNull())
        .addColumn('track_id', 'bigint', (c) => c.notNull())
        .addColumn('flags', d.text(64), (c) => c.notNull())
        .addColumn('matches', d.text(255), (c) => c.notNull())
        .addColumn('status', d.text(16), (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('resolved_at', 'bigint')
        .addColumn('note', d.text(255))
        .$call(table)
        .execute();
      await db.schema.createIndex(`${t.flagReview}_status_idx`).on(t.flagReview).columns(['status', 'id']).execute();
      await db.schema.createIndex(`${t.flagReview}_referrer_idx`).on(t.flagReview).columns(['referrer']).execute();
    },
  };
}
