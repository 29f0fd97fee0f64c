import { type Kysely, sql } from 'kysely';
import type { TableNames } from './table-names.js';

/** This migration's own column types: frozen with it, whatever the live dialects become. */
const TYPES = {
  sqlite: { scene: sql.raw('varchar(32)') },
  postgres: { scene: sql.raw('varchar(32)') },
  mysql: { scene: sql.raw('varchar(32) character set utf8mb4 collate utf8mb4_bin') },
} as const;

/**
 * A purged track's decision keeps the visit's launch scene (`Decision.scene`: for `excluded_scene`,
 * the scene that was excluded). Decisions archived before this migration have no scene to recover
 * (their tracks are gone): they keep `''`. Frozen, like 0001.
 */
export function decisionScene(t: TableNames, dialect: keyof typeof TYPES) {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable(t.decision)
        .addColumn('scene', TYPES[dialect].scene, (c) => c.notNull().defaultTo(''))
        .execute();
    },
  };
}
