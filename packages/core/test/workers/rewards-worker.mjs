// One process of a rewards race: like tracker-worker.mjs (ready, wait for the word, run, print),
// over a tracker with the job's reward rules. `calls` all start at once; each answer is
// { ok: true, value } or { ok: false, code } (the error's stable code).
import { sql } from 'kysely';
import { openDb } from './open-db.mjs';

const job = JSON.parse(process.argv[2]);
const { createTracker } = await import(job.core);

const db = await openDb(job, { busyMs: 20 });
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
