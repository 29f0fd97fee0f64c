import { type Kysely, sql } from 'kysely';
import type { TableNames } from './table-names.js';

/**
 * `visitor.arrived_new`: whether the user's first visit was a new user's, since only such users are
 * ever bound (earlier rows: from the type of the track that first saw them). On MySQL/MariaDB, every
 * table and text column becomes utf8mb4 whatever the database's default character set; every column
 * is binary-collated, as the codes already were (case-sensitive keys, no trailing-space merging).
 * Frozen, like 0001.
 */
export function arrivedNewAndUtf8mb4(t: TableNames, dialect: 'sqlite' | 'postgres' | 'mysql') {
  return {
    async up(db: Kysely<any>) {
      if (dialect === 'mysql') {
        for (const table of [t.promo, t.track, t.share, t.visitor, t.referral, t.decision, t.lock]) {
          await sql`alter table ${sql.table(table)} convert to character set utf8mb4 collate utf8mb4_bin`.execute(db);
        }
      }
      await db.schema
        .alterTable(t.visitor)
        .addColumn('arrived_new', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db
        .updateTable(t.visitor)
        .set({ arrived_new: 0 })
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom(t.track)
              .select(sql.lit(1).as('x'))
              .whereRef(`${t.track}.user_id`, '=', `${t.visitor}.user_id`)
              .whereRef(`${t.track}.created_at`, '=', `${t.visitor}.first_seen_at`)
              .where(`${t.track}.track_type`, '=', 2),
          ),
        )
        .execute();
    },
  };
}
