import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Dialect } from '../store/dialect.js';
import { isUnreachable } from '../store/storage-errors.js';
import { init } from './0001-init.js';
import { outcomeOnTrack } from './0002-outcome-on-track.js';
import type { TableNames } from './table-names.js';

const MIGRATE_ATTEMPTS = 8;

/** This version's migrations (`migrate()` runs them; the schema check and `promo-track sql` read them). */
export function provider(t: TableNames, d: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return { '0001_init': init(t, d), '0002_outcome_on_track': outcomeOnTrack(t) };
    },
  };
}

/**
 * Runs the library's migrations with its own bookkeeping tables (the host may use Kysely's
 * default ones). Kysely's migrator serialises PostgreSQL and MySQL runs with its lock table; on
 * SQLite, whose migrator lock is only in-process, the whole run happens inside BEGIN IMMEDIATE
 * so that several processes starting at once take turns.
 */
export async function migrate(db: Kysely<any>, t: TableNames, d: Dialect): Promise<void> {
  const run = async (target: Kysely<any>) => {
    const migrator = new Migrator({
      db: target,
      provider: provider(t, d),
      migrationTableName: t.migration,
      migrationLockTableName: t.migrationLock,
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
  };

  if (d.name !== 'sqlite') {
    // Kysely's migrator looks its bookkeeping tables up by listing every table of the database;
    // that listing fails when another process creates or drops a table at the same instant, and
    // two processes creating the bookkeeping tables at once can collide in the catalog. Both are
    // transient: the run is idempotent, so it is simply tried again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(db);
      } catch (error) {
        if (attempt >= MIGRATE_ATTEMPTS || isUnreachable(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt + Math.random() * 50));
      }
    }
  }

  await db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      await run(conn);
      await sql`commit`.execute(conn);
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}
