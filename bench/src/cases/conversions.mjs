import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createTracker } from '@promo-track/core';
import { timedConcurrent } from '../measure.mjs';
import { log, rng } from '../util.mjs';
import { SALT, SEED_BASE, SEED_VISITORS, seedVisits } from '../workload.mjs';
import { copyTable, dropPrefixed, PG_URL } from './postgres.mjs';
import { sqliteCase } from './sqlite.mjs';

/**
 * `recordConversion` beside a hand-written twin: an insert keyed by (type, order_id) that ignores a
 * repeat, with the referrer read from the binding in the same statement, and a read of the first
 * record for a repeat. Both sides over the seeded bindings (40k visitors, each bound to the owner of
 * their first visit).
 */

/** Each seeded visitor's referrer: the owner of their first visit. */
function referrers(codes) {
  const by = new Map();
  for (const v of seedVisits(codes)) if (v.isNew) by.set(v.userId, v.owner);
  return by;
}

/**
 * The measured stream: 80% orders of seeded (bound) visitors, 20% of users who never visited (no
 * referrer); one call in ten repeats an earlier order (answers the first record, writes nothing).
 */
function createConversionStream(codes, seed) {
  const r = rng(seed);
  const bound = referrers(codes);
  const made = [];
  let next = 0;
  return {
    next() {
      if (made.length > 0 && r() < 0.1) return { ...made[r.int(made.length)], repeat: true };
      const userId = r() < 0.8 ? SEED_BASE + 1 + r.int(SEED_VISITORS) : 3_000_000 + r.int(1_000_000);
      const v = {
        input: { userId, type: 'order', orderId: `o-${seed}-${++next}`, amount: 100 + r.int(100_000), currency: 'CNY' },
        referrerId: bound.get(userId) ?? null,
      };
      made.push(v);
      return v;
    },
  };
}

/** Checks an answer; remembers a new order's id, so that a repeat must answer that same id. */
function checker(where) {
  const ids = new Map();
  return (c, v) => {
    const first = ids.get(v.input.orderId);
    if (
      !c ||
      c.userId !== v.input.userId ||
      c.amount !== v.input.amount ||
      c.referrerId !== v.referrerId ||
      !(c.id > 0) ||
      (v.repeat && c.id !== first)
    ) {
      throw new Error(`${where}: wrong conversion for ${JSON.stringify(v)}: ${JSON.stringify(c)}`);
    }
    if (!v.repeat) ids.set(v.input.orderId, c.id);
  };
}

/** The library's columns and indexes (the reads need them: a day's, a user's, a referrer's, a code's conversions). */
const TWIN_TABLE = (p = '', id = 'integer') => [
  `create table if not exists ${p}conversion (
  id ${id} primary key, user_id integer not null, type varchar(32) not null, order_id varchar(64) not null,
  amount bigint not null, refunded_amount bigint not null default 0, currency varchar(3) not null, referrer integer,
  promocode varchar(64), created_at bigint not null, unique (type, order_id))`,
  `create index if not exists ${p}conversion_time on ${p}conversion (created_at, id)`,
  `create index if not exists ${p}conversion_user on ${p}conversion (user_id, created_at)`,
  `create index if not exists ${p}conversion_referrer on ${p}conversion (referrer, created_at)`,
  `create index if not exists ${p}conversion_promocode on ${p}conversion (promocode, created_at)`,
];

const toConversion = (r) => ({ id: Number(r.id), userId: r.user_id, amount: Number(r.amount), referrerId: r.referrer });

export const recordConversionSqlite = sqliteCase('recordConversion sqlite', 'calls', (tracker, _twin, codes, twinDb) => {
  for (const statement of TWIN_TABLE()) twinDb.exec(statement);
  const insert = twinDb.prepare(
    `insert into conversion (user_id, type, order_id, amount, currency, referrer, promocode, created_at)
     values (?, ?, ?, ?, ?, (select referrer from referral where user_id = ?), (select promocode from referral where user_id = ?), ?)
     on conflict (type, order_id) do nothing returning id, user_id, amount, referrer`,
  );
  const first = twinDb.prepare('select * from conversion where type = ? and order_id = ?');
  const libStream = createConversionStream(codes, 51);
  const twinStream = createConversionStream(codes, 51);
  const [checkLib, checkTwin] = [checker('library'), checker('twin')];
  return {
    async lib() {
      const v = libStream.next();
      checkLib(await tracker.recordConversion(v.input), v);
      return 1;
    },
    twin() {
      const v = twinStream.next();
      const { userId, type, orderId, amount, currency } = v.input;
      // `.all()`, not `.get()`: `.get()` resets an INSERT … RETURNING after its row, before the statement
      // reports done, and SQLite runs its automatic WAL checkpoint only then: the twin would never
      // checkpoint (its WAL grew to 300 MB in 10k calls) and skip a cost every host pays (so does
      // the library, whose statements Kysely's driver runs to the end).
      const row = insert.all(userId, type, orderId, amount, currency, userId, userId, Date.now())[0] ?? first.get(type, orderId);
      checkTwin(toConversion(row), v);
      return 1;
    },
  };
});

export const recordConversionPostgres = (() => {
  const name = 'recordConversion postgres';
  let libPool, twinPool, db, tracker, ops;
  const prefix = `bench_${randomBytes(3).toString('hex')}_`;
  return {
    name,
    unit: 'calls',
    async setup(env) {
      libPool = new pg.Pool({ connectionString: PG_URL, max: 8 });
      twinPool = new pg.Pool({ connectionString: PG_URL, max: 8 });
      await libPool.query('select 1');
      db = new Kysely({ dialect: new PostgresDialect({ pool: libPool }) });
      tracker = createTracker({ db, salt: SALT, tablePrefix: `${prefix}lib_` });
      await tracker.migrate();
      const lib = new Database(env.templates.libFile, { readonly: true });
      await copyTable(lib, libPool, 'referral', `${prefix}lib_referral`);
      lib.close();
      await twinPool.query(`create table ${prefix}twin_referral (user_id integer primary key, referrer integer not null, promocode varchar(64) not null,
        scene varchar(32) not null, track_id integer not null, bound_at bigint not null)`);
      for (const statement of TWIN_TABLE(`${prefix}twin_`, 'bigserial')) await twinPool.query(statement);
      const tw = new Database(env.templates.twinFile, { readonly: true });
      await copyTable(tw, twinPool, 'referral', `${prefix}twin_referral`);
      tw.close();
      await libPool.query('analyze');
      const p = `${prefix}twin_`;
      const insert = `insert into ${p}conversion (user_id, type, order_id, amount, currency, referrer, promocode, created_at)
        values ($1, $2, $3, $4, $5, (select referrer from ${p}referral where user_id = $1), (select promocode from ${p}referral where user_id = $1), $6)
        on conflict (type, order_id) do nothing returning id, user_id, amount, referrer`;
      const first = `select * from ${p}conversion where type = $1 and order_id = $2`;
      const libStream = createConversionStream(env.templates.codes, 52);
      const twinStream = createConversionStream(env.templates.codes, 52);
      const [checkLib, checkTwin] = [checker('library'), checker('twin')];
      ops = {
        async lib() {
          const v = libStream.next();
          checkLib(await tracker.recordConversion(v.input), v);
          return 1;
        },
        async twin() {
          const v = twinStream.next();
          const { userId, type, orderId, amount, currency } = v.input;
          const row =
            (await twinPool.query(insert, [userId, type, orderId, amount, currency, Date.now()])).rows[0] ??
            (await twinPool.query(first, [type, orderId])).rows[0];
          checkTwin(toConversion(row), v);
          return 1;
        },
      };
      await timedConcurrent(env.warmup, 1, ops.lib);
      await timedConcurrent(env.warmup, 1, ops.twin);
    },
    async round(i, env) {
      const runLib = () => timedConcurrent(env.seconds, 1, ops.lib);
      const runTwin = () => timedConcurrent(env.seconds, 1, ops.twin);
      if (i % 2 === 0) {
        const l = await runLib();
        return { lib: l, twin: await runTwin() };
      }
      const t = await runTwin();
      return { lib: await runLib(), twin: t };
    },
    async teardown() {
      try {
        if (libPool) await dropPrefixed(libPool, prefix);
      } catch (error) {
        log(`could not drop ${prefix}* tables: ${error.message}`);
      }
      await db?.destroy();
      await twinPool?.end();
    },
  };
})();
