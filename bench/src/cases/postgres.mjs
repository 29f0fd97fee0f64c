import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createTracker } from '@promo-track/core';
import { timedConcurrent } from '../measure.mjs';
import { createPgTwin, twinPgSchema } from '../twin-pg.mjs';
import { log } from '../util.mjs';
import { check, createStream, SALT } from '../workload.mjs';

export const PG_URL = process.env.PROMO_TRACK_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const POOL = 8;
/**
 * Calls in flight per side. One by default, like the SQLite cases: on this shared 2-core machine
 * 8 concurrent workers made both sides collapse (~100 tracks/s, long tails) for reasons outside
 * either side's code; PROMO_TRACK_BENCH_PG_WORKERS=8 measures it anyway.
 */
const WORKERS = Number(process.env.PROMO_TRACK_BENCH_PG_WORKERS ?? 1);

/** Copies every row of `table` from an SQLite file into PostgreSQL, ids included. */
export async function copyTable(src, pool, from, to) {
  const rows = src.prepare(`select * from ${from}`).all();
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const per = Math.floor(60_000 / cols.length);
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const params = [];
    const values = chunk.map((r) => `(${cols.map((c) => (params.push(r[c]), `$${params.length}`)).join(', ')})`);
    await pool.query(`insert into ${to} (${cols.join(', ')}) values ${values.join(', ')}`, params);
  }
  if (cols.includes('id')) await pool.query(`select setval(pg_get_serial_sequence('${to}', 'id'), (select max(id) from ${to}))`);
}

export async function dropPrefixed(pool, prefix) {
  const { rows } = await pool.query(`select tablename from pg_tables where schemaname = current_schema() and tablename like $1`, [
    `${prefix}%`,
  ]);
  for (const { tablename } of rows) await pool.query(`drop table if exists "${tablename}" cascade`);
}

export const recordTrackPostgres = (() => {
  const name = 'recordTrack postgres';
  let libPool, twinPool, db, tracker, twin, libStream, twinStream;
  const prefix = `bench_${randomBytes(3).toString('hex')}_`;
  const libPrefix = `${prefix}lib_`;
  const twinPrefix = `${prefix}twin_`;
  const libOp = async () => {
    const v = libStream.next();
    check(await tracker.recordTrack(v.input), v, 'library');
    libStream.confirm(v);
    return 1;
  };
  const twinOp = async () => {
    const v = twinStream.next();
    check(await twin.recordTrack(v.input), v, 'twin');
    twinStream.confirm(v);
    return 1;
  };
  return {
    name,
    unit: 'tracks',
    async setup(env) {
      libPool = new pg.Pool({ connectionString: PG_URL, max: POOL });
      twinPool = new pg.Pool({ connectionString: PG_URL, max: POOL });
      await libPool.query('select 1');
      db = new Kysely({ dialect: new PostgresDialect({ pool: libPool }) });
      tracker = createTracker({ db, salt: SALT, tablePrefix: libPrefix });
      await tracker.migrate();
      // The same seed as the SQLite cases, copied row for row (the library's own rows, as its
      // recordTracks wrote them into the SQLite template).
      const lib = new Database(env.templates.libFile, { readonly: true });
      for (const t of ['promo', 'track', 'visitor', 'referral', 'decision']) await copyTable(lib, libPool, t, libPrefix + t);
      lib.close();
      for (const statement of twinPgSchema(twinPrefix)) await twinPool.query(statement);
      const tw = new Database(env.templates.twinFile, { readonly: true });
      for (const t of ['promo', 'track', 'referral']) await copyTable(tw, twinPool, t, twinPrefix + t);
      tw.close();
      await libPool.query('analyze');
      twin = createPgTwin(twinPool, twinPrefix);
      libStream = createStream(env.templates.codes, 46);
      twinStream = createStream(env.templates.codes, 46);
      await timedConcurrent(env.warmup, WORKERS, libOp);
      await timedConcurrent(env.warmup, WORKERS, twinOp);
    },
    async round(i, env) {
      const runLib = () => timedConcurrent(env.seconds, WORKERS, libOp);
      const runTwin = () => timedConcurrent(env.seconds, WORKERS, twinOp);
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
