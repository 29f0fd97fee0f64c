import type { Kysely } from 'kysely';
import type { TableNames } from './table-names.js';

/**
 * The binding lock's row counts its turns: every writer that takes the lock adds one, so a
 * one-statement first visit that read the count before can tell whether any binding happened
 * since (docs/concurrency.md, "Round trips"). Frozen, like 0001.
 */
export function bindingLockVersion(t: TableNames) {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable(t.lock)
        .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
