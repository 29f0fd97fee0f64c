// One webhook sender process: opens its own pool, runs the BUILT core's startWebhookDelivery
// against the shared tables, says `ready`, and on a line on stdin (or its end) stops the sender
// (letting its sends finish) and exits.
import { openDb } from './open-db.mjs';

const job = JSON.parse(process.argv[2]);
const { createTracker } = await import(job.core);

const db = await openDb(job, { max: 4 });
const tracker = createTracker({ db, salt: job.salt, tablePrefix: job.prefix, webhooks: job.webhooks });
const delivery = tracker.startWebhookDelivery({ pollMs: 50, concurrency: job.concurrency });
process.stdout.write('ready\n');
await new Promise((resolve) => {
  process.stdin.once('data', resolve);
  process.stdin.once('end', resolve);
});
await delivery.stop();
await db.destroy();
process.exit(0);
