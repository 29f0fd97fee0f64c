import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Dialect, DialectName } from '../dialects/dialect.js';
import { init } from '../../schema/0001-init.js';
import { outcomeOnTrack } from '../../schema/0002-outcome-on-track.js';
import { arrivedNewAndUtf8mb4 } from '../../schema/0003-arrived-new-and-utf8mb4.js';
import type { TableNames } from '../../schema/table-names.js';
import { outbox } from '../../schema/0004-outbox.js';
import { rollups } from '../../schema/0005-rollups.js';
import { hourRollups } from '../../schema/0006-hour-rollups.js';
import { referrerRollups } from '../../schema/0007-referrer-rollups.js';
import { conversions } from '../../schema/0008-conversions.js';
import { rewards } from '../../schema/0009-rewards.js';
import { abuseSignals } from '../../schema/0010-abuse-signals.js';
import { codeJobs } from '../../schema/0011-code-jobs.js';
import { decisionScene } from '../../schema/0012-decision-scene.js';
import { bindingLockVersion } from '../../schema/0013-binding-lock-version.js';

/** Every migration, by name, in order; each takes only names and the dialect's name (frozen in time). */
export function migrations(t: TableNames, dialect: DialectName): Record<string, Migration> {
  return {
    '0001_init': init(t, dialect),
    '0002_outcome_on_track': outcomeOnTrack(t),
    '0003_arrived_new_and_utf8mb4': arrivedNewAndUtf8mb4(t, dialect),
    '0004_outbox': outbox(t, dialect),
    '0005_rollups': rollups(t, dialect),
    '0006_hour_rollups': hourRollups(t, dialect),
    '0007_referrer_rollups': referrerRollups(t, dialect),
    '0008_conversions': conversions(t, dialect),
    '0009_rewards': rewards(t, dialect),
    '0010_abuse_signals': abuseSignals(t, dialect),
    '0011_code_jobs': codeJobs(t, dialect),
    '0012_decision_scene': decisionScene(t, dialect),
    '0013_binding_lock_version': bindingLockVersion(t),
  };
}

function provider(t: TableNames, dialect: DialectName): MigrationProvider {
  return { getMigrations: async () => migrations(t, dialect) };
}

/**
 * Runs the library's migrations with its own bookkeeping tables (the host may use Kysely's default
 * ones), the way the dialect makes concurrent starts take turns; then the dialect's stored statements.
 */
export async function migrate(db: Kysely<any>, t: TableNames, d: Dialect): Promise<void> {
  await d.migrate(db, async (target) => {
    const migrator = new Migrator({
      db: target,
      migrationTableSchema: await d.migrationSchema?.(target),
      provider: provider(t, d.name),
      migrationTableName: t.migration,
      migrationLockTableName: t.migrationLock,
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    await d.storedStatements?.install(target, t);
  });
}
