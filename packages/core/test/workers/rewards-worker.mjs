// One process of a rewards race: like tracker-worker.mjs (ready, wait for the word, run, print),
// over a tracker with the job's reward rules. `calls` all start at once; each answer is
// { ok: true, value } or { ok: false, code } (the error's stable code).
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, sql } from 'kysely';

const job = JSON.parse(process.argv[2]);
const { createTracker } = await import(job.core);

async function dialect() {
  if (job.dialect === 'postgres') {
    const { default: pg } = await import('pg');
    return new PostgresDialect({ pool: new pg.Pool({ connectionString: job.url, max: 5 }) });
  }
  if (job.dialect === 'mysql') {
    const { createPool } = await import('mysql2');
    return new MysqlDialect({ pool: createPool({ uri: job.url, connectionLimit: 5 }) });
  }
  const { default: Database } = await import('better-sqlite3');
  return new SqliteDialect({ database: new Database(job.url, { timeout: 20 }) });
}

const db = new Kysely({ dialect: await dialect() });
const tracker = createTracker({ db, salt: job.salt, tablePrefix: job.prefix, ...job.options });

await sql`select 1`.execute(db);
process.stdout.write('ready\n');
await new Promise((resolve) => {
  process.stdin.once('data', resolve);
  process.stdin.once('end', () => process.exit(2)); // the parent is gone: never start
});
process.stdin.pause();

const revive = (v) => (v && typeof v === 'object' && typeof v.$date === 'string' ? new Date(v.$date) : v);
const answers = await Promise.all(
  job.calls.map(({ method, args }) =>
    tracker[method](...args.map(revive)).then(
      (value) => ({ ok: true, value }),
      (error) => ({ ok: false, code: error?.code ?? String(error), message: error?.message }),
    ),
  ),
);
await db.destroy();
process.stdout.write(JSON.stringify(answers));
