import { type Kysely, Migrator } from 'kysely';
import { expect } from 'vitest';
import { init } from '../src/schema/0001-init.js';
import { detectDialect } from '../src/store/dialects/detect.js';
import { tableNames } from '../src/schema/table-names.js';
import type { TestDatabase } from './support.js';

/**
 * The first release's schema, as it shipped (only migration 0001): the state an upgrade starts from.
 * Run the way the dialect runs migrations today: Kysely's own session lock on PostgreSQL would stay
 * held behind pgbouncer and hang every later migrate() on the server.
 */
export async function migrateFirstRelease(db: Kysely<any>, prefix: string, dialect: TestDatabase['name']): Promise<void> {
  const t = tableNames(prefix);
  await detectDialect(db).migrate(db, async (target) => {
    const firstRelease = new Migrator({
      db: target,
      provider: { getMigrations: async () => ({ '0001_init': init(t, dialect) }) },
      migrationTableName: t.migration,
      migrationLockTableName: t.migrationLock,
    });
    expect((await firstRelease.migrateToLatest()).error).toBeUndefined();
  });
}
