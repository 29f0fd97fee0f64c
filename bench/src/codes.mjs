#!/usr/bin/env node
// `node bench/src/codes.mjs [--codes N] [--rounds R] [--scaled]`: the code images' queue
// (docs/wxacode.md) against a WeChat stand-in in this process that answers at once, on SQLite,
// PostgreSQL and MySQL (PROMO_TRACK_PG_URL, PROMO_TRACK_MYSQL_URL; defaults: the local servers).
// - overhead: N codes pregenerated, then made by one worker (no budget, 8 in flight), beside a
//   hand-written twin that calls the same generator for the same promos (8 in flight) and stores
//   each URL with one UPDATE: codes/s of each and their ratio, rounds interleaved;
// - --scaled: 50,000 codes at the default budget (1000 a minute) scaled down 50× in count and in
//   time (1000 codes, 20 calls per 1.2 s window), measured, and the full time it predicts.
// Measures the built dist: run `npm run build` first.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import pg from 'pg';
import { createFileStore, createTracker, createWxacodeGenerator } from '@promo-track/core';

const { values: args } = parseArgs({
  options: {
    codes: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    scaled: { type: 'boolean', default: false },
  },
});
const CODES = Number(args.codes);
const SALT = 'bench-codes-salt';
const IN_FLIGHT = 8;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2048)]);

const wechat = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url.startsWith('/cgi-bin/stable_token'))
      return res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"bench-token","expires_in":7200}');
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length }).end(PNG);
  });
});
await new Promise((resolve) => wechat.listen(0, '127.0.0.1', resolve));
const apiBase = `http://127.0.0.1:${wechat.address().port}`;
const files = mkdtempSync(join(tmpdir(), 'bench-codes-'));
const generator = (options = {}) =>
  createWxacodeGenerator({
    appid: 'wx-bench',
    secret: 'bench',
    apiBase,
    store: createFileStore({ dir: files, baseUrl: 'http://127.0.0.1/wxacode/' }),
    ...options,
  });

const servers = [
  { name: 'sqlite', open: () => ({ db: new Kysely({ dialect: new SqliteDialect({ database: sqliteFile() }) }), prefix: '' }) },
  {
    name: 'postgres',
    open: () => ({
      db: new Kysely({
        dialect: new PostgresDialect({
          pool: new pg.Pool({ connectionString: process.env.PROMO_TRACK_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test', max: 10 }),
        }),
      }),
      prefix: `bc${randomBytes(3).toString('hex')}_`,
    }),
  },
  {
    name: 'mysql',
    open: () => ({
      db: new Kysely({
        dialect: new MysqlDialect({
          pool: createPool({ uri: process.env.PROMO_TRACK_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test', connectionLimit: 10 }),
        }),
      }),
      prefix: `bc${randomBytes(3).toString('hex')}_`,
    }),
  },
];
function sqliteFile() {
  const database = new Database(join(mkdtempSync(join(tmpdir(), 'bench-codes-db-')), 'codes.db'));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  return database;
}

const TABLES = [
  'promo',
  'track',
  'share',
  'visitor',
  'referral',
  'decision',
  'webhook_message',
  'promo_track_lock',
  'code_job',
  'code_budget',
  'promo_track_migration',
  'promo_track_migration_lock',
];
async function dropAll(db, prefix) {
  if (!prefix) return;
  const { rows } = await db.introspection.getTables().then((ts) => ({ rows: ts.map((t) => t.name).filter((n) => n.startsWith(prefix)) }));
  for (const name of rows)
    await db.schema
      .dropTable(name)
      .ifExists()
      .execute()
      .catch(() => undefined);
  for (const table of TABLES)
    await db.schema
      .dropTable(prefix + table)
      .ifExists()
      .execute()
      .catch(() => undefined);
}

const until = async (check) => {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 5));
};

/** The queue: N promos pregenerated, one worker makes their codes; codes/s from the worker's start. */
async function queue(tracker, first) {
  const userIds = Array.from({ length: CODES }, (_, i) => first + i);
  for (let i = 0; i < userIds.length; i += 10_000) await tracker.pregenerateCodes({ userIds: userIds.slice(i, i + 10_000) });
  const t0 = performance.now();
  const worker = tracker.startWorker({ pollMs: 50, codeConcurrency: IN_FLIGHT });
  await until(async () => (await tracker.codeJobs()).pending === 0);
  const seconds = (performance.now() - t0) / 1000;
  await worker.stop();
  return CODES / seconds;
}

/** The twin: the same promos made by hand, the same generator, one UPDATE per code. */
async function twin(tracker, db, prefix, gen, first) {
  const promos = [];
  for (let i = 0; i < CODES; i++) promos.push(await tracker.getOrCreatePromo({ userId: first + i }));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < promos.length) {
        const promo = promos[next++];
        const url = await gen.generate({ scene: promo.promocode, page: null });
        await db.updateTable(`${prefix}promo`).set({ wxbcode: url }).where('id', '=', promo.id).where('wxbcode', 'is', null).execute();
      }
    }),
  );
  return CODES / ((performance.now() - t0) / 1000);
}

async function overhead(server) {
  const { db, prefix } = server.open();
  try {
    const gen = generator({ maxPerMinute: Infinity });
    const withQueue = createTracker({ db, salt: SALT, tablePrefix: prefix, wxacode: gen });
    const plain = createTracker({ db, salt: SALT, tablePrefix: prefix }); // the twin's promos, without codes
    await withQueue.migrate();
    const rates = { queue: [], twin: [], ratio: [] };
    for (let r = 0; r < Number(args.rounds); r++) {
      const base = 1_000_000 * (r + 1);
      const order = r % 2 ? ['twin', 'queue'] : ['queue', 'twin'];
      const round = {};
      for (const side of order)
        round[side] = side === 'queue' ? await queue(withQueue, base) : await twin(plain, db, prefix, gen, base + 500_000);
      rates.queue.push(round.queue);
      rates.twin.push(round.twin);
      rates.ratio.push(round.queue / round.twin);
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return `| ${server.name} | ${median(rates.queue).toFixed(0)} | ${median(rates.twin).toFixed(0)} | ${median(rates.ratio).toFixed(2)} |`;
  } finally {
    await dropAll(db, prefix);
    await db.destroy();
  }
}

/** 50,000 codes at 1000 a minute, scaled down 50×: 1000 codes at 20 per 1.2 s. */
async function scaled(server) {
  const { db, prefix } = server.open();
  try {
    const tracker = createTracker({ db, salt: SALT, tablePrefix: prefix, wxacode: generator({ maxPerMinute: 20, budgetWindowMs: 1200 }) });
    await tracker.migrate();
    const userIds = Array.from({ length: 1000 }, (_, i) => 5_000_000 + i);
    await tracker.pregenerateCodes({ userIds });
    const t0 = performance.now();
    const worker = tracker.startWorker({ pollMs: 50, codeConcurrency: IN_FLIGHT });
    await until(async () => (await tracker.codeJobs()).pending === 0);
    const seconds = (performance.now() - t0) / 1000;
    await worker.stop();
    return `| ${server.name} | ${seconds.toFixed(1)} s | ${((seconds * 50) / 60).toFixed(1)} min |`;
  } finally {
    await dropAll(db, prefix);
    await db.destroy();
  }
}

const rows = [];
for (const server of servers)
  rows.push(
    await (args.scaled ? scaled : overhead)(server).catch(
      (error) => `| ${server.name} | skipped: ${String(error.message).split('\n')[0]} | | |`,
    ),
  );
wechat.close();
rmSync(files, { recursive: true, force: true });
if (args.scaled) {
  console.log("50,000 codes at the default budget (1000 a minute), computed: 50 windows of 60 s plus each slot's call time ≈ 50 min");
  console.log('measured 50× smaller (1000 codes, 20 calls per 1.2 s window), and the full time it predicts (×50):\n');
  console.log('| database | 1000 codes at 20 / 1.2 s | predicted for 50,000 at 1000 / min |\n| --- | --- | --- |\n' + rows.join('\n'));
} else {
  console.log(
    `${CODES} codes, ${IN_FLIGHT} in flight, stand-in answering at once, no budget; median of ${args.rounds} interleaved rounds (codes/s)\n`,
  );
  console.log(
    '| database | queue (pregenerateCodes + startWorker) | twin (generate + UPDATE) | queue / twin |\n| --- | --- | --- | --- |\n' +
      rows.join('\n'),
  );
}
process.exit(0);
