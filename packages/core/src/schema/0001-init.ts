import { type Kysely, sql } from 'kysely';
import type { TableNames } from './table-names.js';

/** This migration's own column types: frozen with it, whatever the live dialects become. */
const TYPES = {
  sqlite: { id: 'integer', binaryText: (n: number) => sql.raw(`varchar(${n})`) },
  postgres: { id: 'serial', binaryText: (n: number) => sql.raw(`varchar(${n})`) },
  mysql: { id: 'integer', binaryText: (n: number) => sql.raw(`varchar(${n}) character set utf8mb4 collate utf8mb4_bin`) },
} as const;

/**
 * The first schema. Frozen: later changes go into new numbered migrations.
 *
 * Times are BIGINT milliseconds since the epoch (UTC) on every dialect, so range filters and the
 * per-day grouping of `stats` are the same integer arithmetic everywhere, free of time zones.
 * `promo.appid` stores "no appid" as '' because a UNIQUE index treats NULLs as distinct.
 */
export function init(t: TableNames, dialect: keyof typeof TYPES) {
  const d = TYPES[dialect];
  const id = d.id;
  const code = d.binaryText(64);

  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable(t.promo)
        .addColumn('id', id, (c) => c.primaryKey().$call((c) => (id === 'serial' ? c : c.autoIncrement())))
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('promo_type', 'integer', (c) => c.notNull().defaultTo(1))
        // Binary on MySQL, like the codes: 'wxA' and 'wxa' are two keys (and two codes) everywhere.
        .addColumn('appid', d.binaryText(32), (c) => c.notNull().defaultTo(''))
        .addColumn('promocode', code, (c) => c.notNull())
        .addColumn('wxbcode', 'varchar(255)')
        .addColumn('page', 'varchar(255)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint(`${t.promo}_owner_key`, ['user_id', 'promo_type', 'appid'])
        .addUniqueConstraint(`${t.promo}_promocode_key`, ['promocode'])
        .execute();

      await db.schema
        .createTable(t.track)
        .addColumn('id', id, (c) => c.primaryKey().$call((c) => (id === 'serial' ? c : c.autoIncrement())))
        .addColumn('track_type', 'integer', (c) => c.notNull())
        .addColumn('scene', 'varchar(32)', (c) => c.notNull())
        .addColumn('detail', 'varchar(128)')
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('promocode', code, (c) => c.notNull())
        .addColumn('referrer', 'integer')
        .addColumn('event_id', code)
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint(`${t.track}_event_key`, ['user_id', 'event_id'])
        .execute();
      await index(db, t.track, 'promocode_time', ['promocode', 'created_at']);
      await index(db, t.track, 'referrer_time', ['referrer', 'created_at']);
      await index(db, t.track, 'time', ['created_at']);

      await db.schema
        .createTable(t.share)
        .addColumn('id', id, (c) => c.primaryKey().$call((c) => (id === 'serial' ? c : c.autoIncrement())))
        .addColumn('share_type', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('page', 'varchar(255)')
        .addColumn('user_id', 'integer')
        .addColumn('promocode', code)
        .addColumn('event_id', code)
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint(`${t.share}_event_key`, ['user_id', 'event_id'])
        .execute();
      await index(db, t.share, 'promocode_time', ['promocode', 'created_at']);
      await index(db, t.share, 'time', ['created_at']);

      await db.schema
        .createTable(t.visitor)
        .addColumn('user_id', 'integer', (c) => c.primaryKey())
        .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable(t.referral)
        .addColumn('user_id', 'integer', (c) => c.primaryKey())
        .addColumn('referrer', 'integer', (c) => c.notNull())
        .addColumn('promocode', code, (c) => c.notNull())
        .addColumn('scene', 'varchar(32)', (c) => c.notNull())
        .addColumn('track_id', 'integer', (c) => c.notNull())
        .addColumn('bound_at', 'bigint', (c) => c.notNull())
        .execute();
      await index(db, t.referral, 'referrer_time', ['referrer', 'bound_at', 'track_id']);
      await index(db, t.referral, 'promocode_time', ['promocode', 'bound_at']);
      await index(db, t.referral, 'time', ['bound_at']);

      await db.schema
        .createTable(t.decision)
        .addColumn('id', id, (c) => c.primaryKey().$call((c) => (id === 'serial' ? c : c.autoIncrement())))
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('track_id', 'integer', (c) => c.notNull())
        .addColumn('promocode', code, (c) => c.notNull())
        .addColumn('candidate', 'integer', (c) => c.notNull())
        .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await index(db, t.decision, 'user', ['user_id', 'id']);
      await index(db, t.decision, 'candidate', ['candidate']);

      await db.schema
        .createTable(t.lock)
        .addColumn('name', 'varchar(32)', (c) => c.primaryKey())
        .execute();
      await db.insertInto(t.lock).values({ name: 'binding' }).execute();
    },
  };
}

function index(db: Kysely<any>, table: string, name: string, columns: string[]) {
  return db.schema.createIndex(`${table}_${name}_idx`).on(table).columns(columns).execute();
}
