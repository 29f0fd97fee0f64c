import { type Kysely, sql } from 'kysely';
import { NotMigratedError } from '../../model/errors.js';
import type { Dialect } from '../dialects/dialect.js';
import { migrations } from './migrate.js';
import { withStorageErrors } from '../errors.js';
import { isMissingTable } from '../dialects/missing-table.js';
import type { TableNames } from '../../schema/table-names.js';

/**
 * Checks a tracker's calls: before the first one, checks once that every migration of this
 * version is recorded in the bookkeeping table; until then every call rejects with
 * `NotMigratedError`. A database migrated meanwhile (by `migrate()` or another process) is seen
 * at the next call; once current, the check costs nothing more. The check also notes which of the
 * dialect's stored statements the database has.
 */
export function schemaCheck(db: Kysely<any>, t: TableNames, d: Dialect) {
  let current = false;
  let checking: Promise<void> | undefined;

  const check = async () => {
    const expected = Object.keys(migrations(t, d.name));
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(t.migration)}`.execute(db);
    const done = new Set(rows.map((r) => r.name));
    const missing = expected.filter((name) => !done.has(name));
    if (missing.length > 0) {
      throw new NotMigratedError(
        `promo-track's tables are older than this version (migration ${missing.join(', ')} has not run): call \`await tracker.migrate()\` before using the tracker`,
      );
    }
    await d.storedStatements?.find(db, t);
    current = true;
  };

  return {
    /**
     * `withStorageErrors`, after the schema check; tables missing at any time (dropped
     * after the check) are `NotMigratedError` too. Not for `migrate()`, whose own failures stay theirs.
     */
    async whenMigrated<T>(work: () => Promise<T>): Promise<T> {
      try {
        if (current) return await withStorageErrors(work);
        checking ??= check().finally(() => (checking = undefined));
        return await withStorageErrors(async () => {
          await checking;
          return work();
        });
      } catch (error) {
        throw isMissingTable(error) ? new NotMigratedError(undefined, { cause: error }) : error;
      }
    },
    /** Called when `migrate()` has succeeded. */
    migrated(): void {
      current = true;
    },
  };
}
