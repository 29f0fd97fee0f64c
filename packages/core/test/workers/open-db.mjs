// The Kysely of one worker process: its own pool of `max` connections on the job's server
// database, or the job's SQLite file (`busyMs`: better-sqlite3's busy timeout; WAL when asked).
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';

async function dialect(job, { max, busyMs, wal }) {
  if (job.dialect === 'postgres') {
    const { default: pg } = await import('pg');
    return new PostgresDialect({ pool: new pg.Pool({ connectionString: job.url, max }) });
  }
  if (job.dialect === 'mysql') {
    const { createPool } = await import('mysql2');
    return new MysqlDialect({ pool: createPool({ uri: job.url, connectionLimit: max }) });
  }
  const { default: Database } = await import('better-sqlite3');
  const database = new Database(job.url, { timeout: busyMs });
  if (wal) database.pragma('journal_mode = WAL');
  return new SqliteDialect({ database });
}

export async function openDb(job, { max = 5, busyMs = 20_000, wal = false } = {}) {
  return new Kysely({ dialect: await dialect(job, { max, busyMs, wal }) });
}
