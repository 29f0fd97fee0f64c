// One process of a multi-process race. It opens its own pool, says `ready`, waits for the
// parent's word on stdin (so that every process starts its calls at the same moment), runs its
// part against the built core, and prints what every call answered as JSON.
import { sql } from 'kysely';
import { openDb } from './open-db.mjs';

const job = JSON.parse(process.argv[2]);
const { createTracker } = await import(job.core);

const db = await openDb(job);
const tracker = createTracker({ db, salt: job.salt, tablePrefix: job.prefix });
const times = (n, call) => Promise.all(Array.from({ length: n }, call));

await sql`select 1`.execute(db);
process.stdout.write('ready\n');
await new Promise((resolve) => {
  process.stdin.once('data', resolve);
  process.stdin.once('end', () => process.exit(2)); // the parent is gone: never start
});
process.stdin.pause();

const out = {};
try {
  if (job.migrate) await tracker.migrate();
  if (job.promos) {
    out.promos = await Promise.all(job.promos.keys.map((key) => times(job.promos.count, () => tracker.getOrCreatePromo(key))));
  }
  if (job.tracks) {
    // Through the promo every process just got (the same one everywhere).
    const input = { ...job.tracks.input, promocode: out.promos[0][0].promocode };
    out.tracks = await times(job.tracks.count, () => tracker.recordTrack(input));
  }
  if (job.conversions) {
    // Both kinds of key at once: (type, orderId), and (userId, type) without an order id.
    [out.conversions, out.onceConversions] = await Promise.all(
      [job.conversions.byOrder, job.conversions.once].map((input) => times(job.conversions.count, () => tracker.recordConversion(input))),
    );
  }
} catch (error) {
  out.error = { name: error?.name, message: error?.message, code: error?.code, cause: String(error?.cause ?? '') };
}
await db.destroy();
process.stdout.write(JSON.stringify(out));
