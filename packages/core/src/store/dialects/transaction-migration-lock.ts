import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect as KyselyDialect,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely';

/**
 * Kysely's own key for PostgreSQL's migration lock: a process of an older version (Kysely's session
 * lock) and this one still take turns, as do the host's own Kysely migrations.
 */
const MIGRATION_LOCK_KEY = sql.raw('3853314791062309107');
/** How long a migrate() waits for another process's (as Kysely's own lock waits), whatever the server's lock_timeout. */
const LOCK_WAIT = '3600000';

/**
 * Runs the migrator inside one transaction that first takes PostgreSQL's transaction-level advisory
 * lock, so that processes starting at once take turns, and no lock or setting outlives the
 * transaction: behind a pooler in transaction mode (pgbouncer) each transaction may run on another
 * server connection, and Kysely's session-level lock would stay held by one of them for good, its
 * unlock sent to another (docs/concurrency.md). The migrator gets a Kysely bound to that
 * transaction's connection, whose own transactions are savepoints.
 */
export async function migrateUnderTransactionLock(db: Kysely<any>, run: (db: Kysely<any>) => Promise<void>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ was: string }>`select current_setting('lock_timeout') as was`.execute(trx);
    // set_config(…, true) lasts until the transaction ends; the CTE (volatile, so run first) raises the wait.
    await sql`with t as (select set_config('lock_timeout', ${LOCK_WAIT}, true)) select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY}) from t`.execute(
      trx,
    );
    await sql`select set_config('lock_timeout', ${rows[0]?.was ?? '0'}, true)`.execute(trx);
    await trx.getExecutor().provideConnection((connection) => run(new Kysely<any>({ dialect: boundTo(connection) })));
  });
}

/** PostgreSQL over one connection already inside a transaction that holds the migration lock. */
function boundTo(connection: DatabaseConnection): KyselyDialect {
  return {
    createAdapter: () => new LockHeldAdapter(),
    createDriver: () => new SavepointDriver(connection),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}

/** The transaction around the migrator already holds the lock (`migrateUnderTransactionLock`). */
class LockHeldAdapter extends PostgresAdapter {
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

/** Hands out the one connection; a transaction on it (the migrator's) is a savepoint of the one already open. */
class SavepointDriver implements Driver {
  constructor(private readonly connection: DatabaseConnection) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }
  async beginTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('savepoint promo_track_migrate'));
  }
  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('release savepoint promo_track_migrate'));
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('rollback to savepoint promo_track_migrate'));
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}
