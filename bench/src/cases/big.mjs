import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createTracker } from '@promo-track/core';
import { fastLoad, openLibrary } from '../seed.mjs';
import { log, median, now } from '../util.mjs';
import { OWNERS, SALT, SCENES } from '../workload.mjs';
import { PG_URL } from './postgres.mjs';

const DAY_MS = 86_400_000;
const SPAN_DAYS = 90;
const ROWS = 10_000_000;
/** Reseeded when older than this: "the last 30 days" must keep holding a third of the rows. */
const MAX_AGE_MS = 7 * DAY_MS;
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
/**
 * Where the seeds live: one SQLite file and one table prefix, shared by every checkout that links
 * them. Two runs at once must not share a SQLite file under two paths (each path has its own WAL):
 * a worktree that benches alongside another points these at copies of its own.
 */
const CACHE = process.env.PROMO_TRACK_BENCH_10M_CACHE ?? here('../../../node_modules/.cache/promo-track-bench-10m');
const PG_PREFIX = process.env.PROMO_TRACK_BENCH_10M_PG_PREFIX ?? 'bench10m_';

const scenesSql = `(array[${SCENES.map((s) => `'${s}'`).join(',')}])`;

/**
 * 10M tracks over 90 days (as the 1M stats case: 20% first visits with their bindings, 2% crawler,
 * a share per 20 visits), written with plain SQL and kept between runs (only without --quick):
 * global stats and the leaderboard on SQLite and PostgreSQL, the dashboard's first full render in
 * headless Chromium over the SQLite database, and the CSV export's heap and rate.
 */
export async function runBig(env) {
  fs.mkdirSync(CACHE, { recursive: true });
  const tpl = new Database(env.templates.libFile, { readonly: true });
  const promos = tpl.prepare('select * from promo order by id').all();
  tpl.close();
  const results = {};

  // ---- SQLite -------------------------------------------------------------------------------
  const file = path.join(CACHE, 'stats-10m.db');
  const marker = path.join(CACHE, 'sqlite-done');
  if (!fs.existsSync(marker) || Date.now() - Number(fs.readFileSync(marker, 'utf8')) > MAX_AGE_MS) {
    fs.rmSync(file, { force: true });
    const t0 = Date.now();
    const lib = openLibrary(file);
    await lib.tracker.migrate();
    seedSqlite(lib.raw, promos);
    await lib.close();
    fs.writeFileSync(marker, String(Date.now()));
    log(`  10M: SQLite seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  {
    const lib = openLibrary(file);
    await lib.tracker.migrate();
    const added = topUpSqlite(lib.raw);
    if (added) log(`  10M: SQLite topped up with ${added} tracks up to now`);
    results.sqlite = await measureStats(lib.tracker, env);
    await lib.close();
  }

  // ---- the dashboard over it in headless Chromium, server and browser in their own processes ---
  const render = spawnSync(process.execPath, [here('../dashboard-render.mjs'), file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (render.status !== 0) throw new Error(`dashboard-render failed: ${render.stderr}`);
  results.dashboard = JSON.parse(render.stdout.trim().split('\n').at(-1));

  // ---- CSV export, in its own process so that its heap is its own ---------------------------
  const child = spawnSync(process.execPath, [here('../export-heap.mjs'), file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`export-heap failed: ${child.stderr}`);
  results.export = JSON.parse(child.stdout.trim().split('\n').at(-1));

  // ---- PostgreSQL ---------------------------------------------------------------------------
  const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
  try {
    await pool.query('select 1');
  } catch (error) {
    results.postgres = { skipped: error.message };
    await pool.end().catch(() => undefined);
    return results;
  }
  try {
    const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
    const tracker = createTracker({ db, salt: SALT, tablePrefix: PG_PREFIX });
    await tracker.migrate();
    const seededAt = await pool
      .query(`select obj_description('${PG_PREFIX}track'::regclass) as note`)
      .then((r) => Number(r.rows[0]?.note ?? 0))
      .catch(() => 0);
    if (!seededAt || Date.now() - seededAt > MAX_AGE_MS) {
      const t0 = Date.now();
      await seedPostgres(pool, promos);
      await pool.query(`comment on table ${PG_PREFIX}track is '${Date.now()}'`);
      log(`  10M: PostgreSQL seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    const added = await topUpPostgres(pool);
    if (added) log(`  10M: PostgreSQL topped up with ${added} tracks up to now`);
    // This server runs without autovacuum: the rollup tables, filled by the first calls, are
    // analyzed as autovacuum would soon do on a production server (the first calls run without).
    const rollups = [
      'rollup_day',
      'rollup_hour',
      'rollup_referrals',
      'rollup_ref_visits',
      'rollup_hour_referrals',
      'rollup_hour_ref_visits',
    ];
    const analyze = () => pool.query(`analyze ${rollups.map((t) => PG_PREFIX + t).join(', ')}`);
    results.postgres = await measureStats(tracker, env, analyze);
  } finally {
    await pool.end().catch(() => undefined);
  }
  return results;
}

async function measureStats(tracker, env, afterFirst = async () => {}) {
  // The live part of "the last 30 days" is the open hour (and the first call of an hour builds the
  // last one): the time of day of the run says how much of today the call covers.
  const out = { at: new Date().toISOString() };
  // The dashboard's ranges are whole days: the last 30 days start at a (UTC) midnight and end at the next.
  const midnight = () => Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const last30 = () => ({ from: new Date(midnight() - 29 * DAY_MS), to: new Date(midnight() + DAY_MS) });
  const answered = (s) => s.visits > 0;
  const ranked = (entries) => entries.length > 0 && entries[0].visits > 0;
  const calls = {
    'global, last 30 days': [() => tracker.stats({ from: new Date(midnight() - 29 * DAY_MS) }), answered],
    'global, last 30 days from now − 30 × 24 h': [() => tracker.stats({ from: new Date(Date.now() - 30 * DAY_MS) }), answered],
    global: [() => tracker.stats({}), answered],
    // The dashboard's leaderboard (its range, top 10), and over all time.
    'leaderboard, last 30 days': [() => tracker.leaderboard({ ...last30(), limit: 10 }), ranked],
    'leaderboard, all time': [() => tracker.leaderboard({ limit: 10 }), ranked],
  };
  for (const [label, [call, ok]] of Object.entries(calls)) {
    const lat = [];
    const budget = now() + env.statsSeconds * 1e9;
    while (lat.length < 2 || (now() < budget && lat.length < 500)) {
      const t = now();
      const s = await call();
      if (!ok(s)) throw new Error(`${label} answered ${JSON.stringify(s).slice(0, 200)}`);
      lat.push(now() - t);
      if (lat.length === 1) await afterFirst();
    }
    const first = lat.shift() / 1e6;
    out[label] = { ms: median(lat) / 1e6, first };
  }
  return out;
}

/**
 * The seed's visits keep coming at its rate (one per `step` ms) up to now, so that the open hour
 * holds as many rows as in a live service whatever the time since seeding (plain SQL, as the seed).
 * Rollups of the days and hours those rows land in are dropped (written behind the library's back).
 */
function topUpSqlite(raw) {
  const step = Math.floor((SPAN_DAYS * DAY_MS) / ROWS);
  const last = raw.prepare('select max(created_at) as m from track').get().m;
  const count = Math.floor((Date.now() - last) / step);
  if (count <= 0) return 0;
  // Visit i is a new user's (200000 + i / 5) when i % 5 = 0: go on after the newest one.
  const from = (raw.prepare('select max(user_id) as m from visitor').get().m - 200000 + 1) * 5;
  const firstId = raw.prepare('select max(id) as m from track').get().m + 1;
  raw.transaction(() => {
    insertVisitsSqlite(raw, from, from + count, last + step - from * step, step);
    insertFactsSqlite(raw, `id >= ${firstId}`);
    for (const table of ['rollup_day', 'rollup_hour']) raw.prepare(`delete from ${table} where end_at > ?`).run(last);
  })();
  return count;
}

function insertVisitsSqlite(raw, from, to, start, step) {
  const scenes = SCENES.map((s, i) => `when ${i} then '${s}'`).join(' ');
  const sceneExpr = `case when abs(random()) % 50 = 0 then '1129' else (case abs(random()) % ${SCENES.length} ${scenes} end) end`;
  raw
    .prepare(
      `with recursive seq(i) as (select ${from} union all select i + 1 from seq where i < ${to - 1})
       insert into track (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at)
       select case when i % 5 = 0 then 1 else 2 end, ${sceneExpr}, null,
              case when i % 5 = 0 then 200000 + i / 5 else 200000 + abs(random()) % (i / 5 + 1) end,
              p.promocode, p.user_id, null, ${start} + i * ${step}
       from seq join promo p on p.user_id = 1 + abs(random()) % ${OWNERS} and p.promo_type = 1 and p.appid = ''`,
    )
    .run();
}

/** The visitors, bindings (first visits outside scene 1129) and shares (one per 20 visits) of the tracks `where`. */
function insertFactsSqlite(raw, where) {
  raw.exec(`insert into visitor (user_id, first_seen_at) select user_id, created_at from track where track_type = 1 and ${where}`);
  raw.exec(`insert into referral (user_id, referrer, promocode, scene, track_id, bound_at)
            select user_id, referrer, promocode, scene, id, created_at from track where track_type = 1 and scene <> '1129' and ${where}`);
  raw.exec(`insert into share (share_type, page, user_id, promocode, event_id, created_at)
            select abs(random()) % 3, null, user_id, promocode, null, created_at from track where id % 20 = 0 and ${where}`);
}

async function topUpPostgres(pool) {
  const p = PG_PREFIX;
  const step = Math.floor((SPAN_DAYS * DAY_MS) / ROWS);
  const last = Number((await pool.query(`select max(created_at) as m from ${p}track`)).rows[0].m);
  const count = Math.floor((Date.now() - last) / step);
  if (count <= 0) return 0;
  const from = (Number((await pool.query(`select max(user_id) as m from ${p}visitor`)).rows[0].m) - 200000 + 1) * 5;
  const firstId = Number((await pool.query(`select max(id) as m from ${p}track`)).rows[0].m) + 1;
  await insertVisitsPostgres(pool, from, from + count, last + step - from * step, step);
  await insertFactsPostgres(pool, `id >= ${firstId}`);
  for (const table of ['rollup_day', 'rollup_hour']) await pool.query(`delete from ${p}${table} where end_at > $1`, [last]);
  return count;
}

async function insertVisitsPostgres(pool, from, to, start, step) {
  const p = PG_PREFIX;
  await pool.query(
    `insert into ${p}track (track_type, scene, detail, user_id, promocode, referrer, event_id, created_at)
     select case when i % 5 = 0 then 1 else 2 end,
            case when random() < 0.02 then '1129' else ${scenesSql}[1 + floor(random() * ${SCENES.length})::int] end, null,
            case when i % 5 = 0 then 200000 + i / 5 else 200000 + floor(random() * (i / 5 + 1))::int end,
            pr.promocode, pr.user_id, null, ${start}::bigint + i::bigint * ${step}
     from generate_series(${from}, ${to - 1}) i
     join ${p}promo pr on pr.user_id = 1 + (i::bigint * 7919) % ${OWNERS} and pr.promo_type = 1 and pr.appid = ''`,
  );
}

async function insertFactsPostgres(pool, where) {
  const p = PG_PREFIX;
  await pool.query(
    `insert into ${p}visitor (user_id, first_seen_at) select user_id, created_at from ${p}track where track_type = 1 and ${where}`,
  );
  await pool.query(`insert into ${p}referral (user_id, referrer, promocode, scene, track_id, bound_at)
                    select user_id, referrer, promocode, scene, id, created_at from ${p}track where track_type = 1 and scene <> '1129' and ${where}`);
  await pool.query(`insert into ${p}share (share_type, page, user_id, promocode, event_id, created_at)
                    select floor(random() * 3)::int, null, user_id, promocode, null, created_at from ${p}track where id % 20 = 0 and ${where}`);
}

function seedSqlite(raw, promos) {
  fastLoad(raw);
  const insertPromo = raw.prepare(
    'insert into promo (id, user_id, promo_type, appid, promocode, wxbcode, page, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  raw.transaction(() =>
    promos.forEach((p) => insertPromo.run(p.id, p.user_id, p.promo_type, p.appid, p.promocode, p.wxbcode, p.page, p.created_at)),
  )();
  const start = Date.now() - SPAN_DAYS * DAY_MS;
  const step = Math.floor((SPAN_DAYS * DAY_MS) / ROWS);
  for (let from = 0; from < ROWS; from += 1_000_000) {
    raw.transaction(() => insertVisitsSqlite(raw, from, from + 1_000_000, start, step))();
    log(`  10M: SQLite ${(from + 1_000_000) / 1e6}M tracks`);
  }
  insertFactsSqlite(raw, '1 = 1');
  raw.pragma('wal_checkpoint(TRUNCATE)');
}

async function seedPostgres(pool, promos) {
  const p = PG_PREFIX;
  for (const table of [
    'promo',
    'track',
    'share',
    'visitor',
    'referral',
    'rollup_day',
    'rollup_scene',
    'rollup_share_type',
    'rollup_hour',
    'rollup_hour_scene',
    'rollup_hour_share_type',
  ]) {
    await pool.query(`truncate ${p}${table}`);
  }
  for (let i = 0; i < promos.length; i += 1000) {
    const chunk = promos.slice(i, i + 1000);
    const params = [];
    const values = chunk.map((r) => {
      params.push(r.user_id, r.promo_type, r.appid, r.promocode, r.created_at);
      const n = params.length;
      return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
    });
    await pool.query(`insert into ${p}promo (user_id, promo_type, appid, promocode, created_at) values ${values.join(', ')}`, params);
  }
  const start = Date.now() - SPAN_DAYS * DAY_MS;
  const step = Math.floor((SPAN_DAYS * DAY_MS) / ROWS);
  for (let from = 0; from < ROWS; from += 1_000_000) {
    await insertVisitsPostgres(pool, from, from + 1_000_000, start, step);
    log(`  10M: PostgreSQL ${(from + 1_000_000) / 1e6}M tracks`);
  }
  await insertFactsPostgres(pool, '1 = 1');
  await pool.query(`analyze ${p}track; analyze ${p}share; analyze ${p}referral`);
}
