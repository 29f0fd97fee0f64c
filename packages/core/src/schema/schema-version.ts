import { type Kysely, sql } from 'kysely';
import { NotMigratedError } from '../errors.js';
import type { Dialect } from '../store/dialect.js';
import { guard } from '../store/storage-errors.js';
import { provider } from './migrate.js';
import type { TableNames } from './table-names.js';

/**
 * Guards a tracker's calls: before the first one, checks once that every migration of this
 * version is recorded in the bookkeeping table; until then every call rejects with
 * `NotMigratedError`. A database migrated meanwhile (by `migrate()` or another process) is seen
 * at the next call; once current, the check costs nothing more.
 */
export function schemaGuard(db: Kysely<any>, t: TableNames, d: Dialect) {
  let current = false;
  let checking: Promise<void> | undefined;

  const check = async () => {
    const expected = Object.keys(await provider(t, d).getMigrations());
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(t.migration)}`.execute(db);
    const done = new Set(rows.map((r) => r.name));
    const missing = expected.filter((name) => !done.has(name));
    if (missing.length > 0) {
      throw new NotMigratedError(
        `promo-track's tables are older than this version (migration ${missing.join(', ')} has not run): call \`await tracker.migrate()\` before using the tracker`,
      );
    }
    current = true;
  };

  return {
    /** `guard` (storage errors mapped), after the schema check. */
    guard<T>(work: () => Promise<T>): Promise<T> {
      if (current) return guard(work);
      checking ??= check().finally(() => (checking = undefined));
      return guard(async () => {
        await checking;
        return work();
      });
    },
    /** Called when `migrate()` has succeeded. */
    migrated(): void {
      current = true;
    },
  };
}
