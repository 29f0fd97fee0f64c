#!/usr/bin/env node
// `node bench/src/webhooks.mjs [--messages N] [--rounds R]`: messages delivered per second by one
// sender process and by three, against PostgreSQL and MariaDB/MySQL (PROMO_TRACK_PG_URL,
// PROMO_TRACK_MYSQL_URL; defaults: the local servers). The receiver, in this process, answers 204
// at once, so the figure is the sender's (claim, sign, POST, record), not the endpoint's.
// Measures the built dist: run `npm run build` first.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { createTracker } from '@promo-track/core';

const { values: args } = parseArgs({
  options: { messages: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '2' } },
});
const MESSAGES = Number(args.messages);
const SALT = 'bench-webhooks-salt';
const SECRET = 'whsec_' + randomBytes(24).toString('base64');
const WORKER = fileURLToPath(new URL('./webhook-sender.mjs', import.meta.url));
const servers = [
  { name: 'postgres', url: process.env.PROMO_TRACK_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  { name: 'mysql', url: process.env.PROMO_TRACK_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' },
];
const open = (s) =>
  new Kysely({
    dialect:
      s.name === 'postgres'
        ? new PostgresDialect({ pool: new pg.Pool({ connectionString: s.url, max: 4 }) })
        : new MysqlDialect({ pool: createPool({ uri: s.url, connectionLimit: 4 }) }),
  });

let received = 0;
const seen = new Set();
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const id = req.headers['webhook-id'];
    if (!seen.has(id)) received++;
    seen.add(id);
    res.writeHead(204).end();
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${receiver.address().port}/hooks`;

/** Writes MESSAGES referral.bound messages, then times `processes` senders draining them. */
async function run(server, processes) {
  const db = open(server);
  const prefix = `wb${randomBytes(3).toString('hex')}_`;
  const webhooks = [{ url, secret: SECRET }];
  try {
    const tracker = createTracker({ db, salt: SALT, tablePrefix: prefix, webhooks });
    await tracker.migrate();
    const { promocode } = await tracker.getOrCreatePromo({ userId: 1 });
    for (let i = 0; i < MESSAGES; i += 1000) {
      await tracker.recordTracks(
        Array.from({ length: Math.min(1000, MESSAGES - i) }, (_, k) => ({ userId: 10 + i + k, promocode, scene: 1047 })),
      );
    }
    received = 0;
    seen.clear();
    const job = { dialect: server.name, url: server.url, salt: SALT, prefix, webhooks };
    const children = Array.from({ length: processes }, () =>
      spawn(process.execPath, [WORKER, JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    await Promise.all(children.map((c) => new Promise((resolve) => c.stdout.once('data', resolve))));
    const t0 = performance.now();
    while (received < MESSAGES) await new Promise((resolve) => setTimeout(resolve, 5));
    const rate = MESSAGES / ((performance.now() - t0) / 1000);
    await Promise.all(children.map((c) => new Promise((resolve) => (c.on('exit', resolve), c.stdin.end('stop\n')))));
    return rate;
  } finally {
    for (const table of [
      'webhook_message',
      'promo',
      'track',
      'share',
      'visitor',
      'referral',
      'decision',
      'promo_track_lock',
      'promo_track_migration',
      'promo_track_migration_lock',
    ]) {
      await db.schema
        .dropTable(prefix + table)
        .ifExists()
        .execute()
        .catch(() => undefined);
    }
    await db.destroy();
  }
}

const rows = [];
for (const server of servers) {
  const rates = { 1: [], 3: [] };
  try {
    for (let r = 0; r < Number(args.rounds); r++) for (const n of [1, 3]) rates[n].push(await run(server, n));
  } catch (error) {
    rows.push(`| ${server.name} | skipped: ${error.message.split('\n')[0]} | | |`);
    continue;
  }
  const best = (xs) => Math.max(...xs).toFixed(0);
  const one = Math.max(...rates[1]);
  const three = Math.max(...rates[3]);
  rows.push(`| ${server.name} | ${best(rates[1])} | ${best(rates[3])} | ${(three / one).toFixed(2)}× |`);
}
receiver.close();
console.log(`${MESSAGES} messages, 16 in flight per sender, receiver answering 204 at once; best of ${args.rounds} rounds (messages/s)\n`);
console.log('| database | 1 sender process | 3 sender processes | 3 / 1 |\n| --- | --- | --- | --- |\n' + rows.join('\n'));
process.exit(0);
