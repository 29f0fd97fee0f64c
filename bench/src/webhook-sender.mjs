// One sender process of `webhooks.mjs`: runs the built core's startWebhookDelivery against the
// shared tables, says `ready`, and stops (letting its sends finish) on a line on stdin.
import { Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import { createTracker } from '@promo-track/core';

const job = JSON.parse(process.argv[2]);
const dialect =
  job.dialect === 'postgres'
    ? new PostgresDialect({ pool: new (await import('pg')).default.Pool({ connectionString: job.url, max: 4 }) })
    : new MysqlDialect({ pool: (await import('mysql2')).createPool({ uri: job.url, connectionLimit: 4 }) });
const db = new Kysely({ dialect });
const tracker = createTracker({ db, salt: job.salt, tablePrefix: job.prefix, webhooks: job.webhooks });
const delivery = tracker.startWebhookDelivery({ pollMs: 50 });
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
await delivery.stop();
await db.destroy();
process.exit(0);
