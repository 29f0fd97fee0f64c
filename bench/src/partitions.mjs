#!/usr/bin/env node
// `npm run bench -- partitions` (or `node bench/src/partitions.mjs`): the prototype behind
// docs/scale.md's "A billion tracks". On the local PostgreSQL (PROMO_TRACK_PG_URL), in a schema of
// its own (dropped at the end), a plain copy and a monthly-partitioned copy of a track-like table,
// 10M rows each (PROMO_TRACK_BENCH_PARTITION_ROWS to change it) over 12 months, then times:
// a rollup build's count of one month and of one day, one user's tracks, and purging one month
// (the library's batched DELETE, one DELETE, against DROP and DETACH of a partition).
// Not part of the test suite: it writes a few GB and takes minutes.
import pg from 'pg';

const URL = process.env.PROMO_TRACK_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.env.PROMO_TRACK_BENCH_PARTITION_ROWS ?? 10_000_000);
const SCHEMA = 'promo_track_partitions_bench';
const MONTHS = 12;
const USERS = Math.max(1, Math.floor(ROWS / 5));
const CODES = 10_000;
const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);
const monthStart = (m) => Date.UTC(2025, m, 1);
const END = monthStart(MONTHS);

const log = (...a) => process.stderr.write(a.join(' ') + '\n');
const client = new pg.Client({ connectionString: URL });
await client.connect();
const q = (text, values) => client.query(text, values);

/** Milliseconds `work` takes. */
async function timed(work) {
  const started = performance.now();
  await work();
  return performance.now() - started;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const size = async (rel) => (await q(`select pg_size_pretty(pg_total_relation_size('${SCHEMA}.${rel}')) as s`)).rows[0].s;
const partitionsSize = async () =>
  (
    await q(`select pg_size_pretty(sum(pg_total_relation_size(c.oid))) as s from pg_inherits i join pg_class c on c.oid = i.inhrelid
             where i.inhparent = '${SCHEMA}.part'::regclass`)
  ).rows[0].s;

const results = [];
const report = (what, plain, partitioned, note = '') => {
  results.push({ what, plain, partitioned, note });
  log(`${what}: plain ${plain} | partitioned ${partitioned}${note ? ` (${note})` : ''}`);
};

try {
  await q(`drop schema if exists ${SCHEMA} cascade`);
  await q(`create schema ${SCHEMA}`);
  // The library's track table (migrations 0001, 0002), as on PostgreSQL.
  const columns = `id bigint not null, track_type integer not null, scene varchar(32) not null, detail varchar(128),
    user_id integer not null, promocode varchar(64) not null, referrer integer, event_id varchar(64),
    created_at bigint not null, outcome varchar(16)`;
  await q(`create table ${SCHEMA}.plain (${columns})`);
  await q(`create table ${SCHEMA}.part (${columns}) partition by range (created_at)`);
  for (let m = 0; m < MONTHS; m++) {
    await q(`create table ${SCHEMA}.part_m${m} partition of ${SCHEMA}.part for values from (${monthStart(m)}) to (${monthStart(m + 1)})`);
  }

  // 10M visits spread evenly over the 12 months: 1 in 5 a new user's (bound), 1 in 50 the crawler's scene.
  const rows = `select g, case when g % 5 = 0 then 1 else 2 end,
      case when g % 50 = 0 then '1129' else (array['1047','1007','1008','1089'])[1 + (g / 7) % 4] end, null,
      (1 + (g * 7919) % ${USERS})::int, 'code' || lpad(((g * 31) % ${CODES})::text, 8, '0'), (1 + (g * 31) % ${CODES})::int, null,
      ${START} + (g - 1) * ${END - START}::bigint / ${ROWS}, case when g % 5 = 0 then 'bound' else 'returning_user' end
    from generate_series(1::bigint, ${ROWS}::bigint) g`;
  log(`writing ${ROWS.toLocaleString()} rows into each table…`);
  report(
    'load (INSERT … SELECT generate_series)',
    ms(await timed(() => q(`insert into ${SCHEMA}.plain ${rows}`))),
    ms(await timed(() => q(`insert into ${SCHEMA}.part ${rows}`))),
    'ms',
  );
  // The library's indexes; a partitioned table's unique keys must hold its partition key.
  const indexes = async (t, pk, unique) => {
    await q(`alter table ${SCHEMA}.${t} add primary key (${pk})`);
    await q(`create unique index ${t}_event_key on ${SCHEMA}.${t} (${unique})`);
    await q(`create index ${t}_promocode_time_idx on ${SCHEMA}.${t} (promocode, created_at)`);
    await q(`create index ${t}_referrer_time_idx on ${SCHEMA}.${t} (referrer, created_at)`);
    await q(`create index ${t}_time_idx on ${SCHEMA}.${t} (created_at)`);
    await q(`analyze ${SCHEMA}.${t}`);
  };
  report(
    'indexes + analyze',
    ms(await timed(() => indexes('plain', 'id', 'user_id, event_id'))),
    ms(await timed(() => indexes('part', 'id, created_at', 'user_id, event_id, created_at'))),
    'ms',
  );
  report('size with indexes', await size('plain'), await partitionsSize());

  /** The median of `runs` runs of `text` on each table, in ms (after one warm-up run each). */
  const compare = async (what, text, valuesOf = () => [], runs = 7) => {
    const times = { plain: [], part: [] };
    for (let i = -1; i < runs; i++) {
      for (const t of i % 2 ? ['plain', 'part'] : ['part', 'plain']) {
        const took = await timed(() => q(text.replaceAll('$T', `${SCHEMA}.${t}`), valuesOf(i)));
        if (i >= 0) times[t].push(took);
      }
    }
    report(what, ms(median(times.plain)), ms(median(times.part)), `median of ${runs}, ms`);
  };

  // A rollup build's first read (store/stats/rollups.ts): visits by day, scene and type in a range.
  const rollupCount = `select created_at / ${DAY} as b, scene, track_type, count(*) as n from $T
    where created_at >= $1 and created_at < $2 and scene not in ('1129') group by 1, 2, 3`;
  await compare('rollup count, one month (June)', rollupCount, () => [monthStart(5), monthStart(6)]);
  await compare('rollup count, one day (15 June)', rollupCount, () => [monthStart(5) + 14 * DAY, monthStart(5) + 15 * DAY]);
  // Global stats' earliest row, and one user's tracks (the visit path's first-visit check reads one).
  await compare('earliest row (min created_at)', `select min(created_at) from $T`);
  await compare(
    "one user's tracks (by user_id, 7 users)",
    `select id, created_at, promocode from $T where user_id = $1 order by created_at`,
    (i) => [1 + (((i + 2) * 104_729) % USERS)],
  );
  await compare("one user's first track (limit 1)", `select id from $T where user_id = $1 order by created_at limit 1`, (i) => [
    1 + (((i + 2) * 130_363) % USERS),
  ]);

  // Purging January: the library's way (1000 ids at a time by primary key) against dropping the partition.
  const batched = async (before) => {
    let after = 0;
    let total = 0;
    for (;;) {
      const { rows: ids } = await q(`select id from ${SCHEMA}.plain where created_at < $1 and id > $2 order by id limit 1000`, [
        before,
        after,
      ]);
      if (ids.length === 0) return total;
      const list = ids.map((r) => Number(r.id));
      total += (await q(`delete from ${SCHEMA}.plain where id = any($1) and created_at < $2`, [list, before])).rowCount;
      after = list[list.length - 1];
      if (ids.length < 1000) return total;
    }
  };
  let deleted = 0;
  const batchedMs = await timed(async () => (deleted = await batched(monthStart(1))));
  const dropMs = await timed(async () => {
    await q(`alter table ${SCHEMA}.part detach partition ${SCHEMA}.part_m0`);
    await q(`drop table ${SCHEMA}.part_m0`);
  });
  report(`purge January (${deleted.toLocaleString()} rows): batched DELETE vs DETACH + DROP`, ms(batchedMs), ms(dropMs), 'ms');
  // February: one DELETE statement against DETACH … CONCURRENTLY (no lock that blocks writers) + DROP.
  let single = 0;
  const singleMs = await timed(
    async () => (single = (await q(`delete from ${SCHEMA}.plain where created_at < $1`, [monthStart(2)])).rowCount),
  );
  const concurrentMs = await timed(async () => {
    await q(`alter table ${SCHEMA}.part detach partition ${SCHEMA}.part_m1 concurrently`);
    await q(`drop table ${SCHEMA}.part_m1`);
  });
  report(
    `purge February (${single.toLocaleString()} rows): one DELETE vs DETACH CONCURRENTLY + DROP`,
    ms(singleMs),
    ms(concurrentMs),
    'ms',
  );
  // The plain table's deleted rows stay as dead tuples until VACUUM reclaims them.
  report('VACUUM after the purges', ms(await timed(() => q(`vacuum ${SCHEMA}.plain`))), '0 (nothing left behind)', 'ms');
  report('size after the purges', await size('plain'), await partitionsSize());

  process.stdout.write('\n| measure | plain | monthly partitions | |\n| --- | --- | --- | --- |\n');
  for (const r of results) process.stdout.write(`| ${r.what} | ${r.plain} | ${r.partitioned} | ${r.note} |\n`);
} finally {
  await q(`drop schema if exists ${SCHEMA} cascade`).catch((e) => log('could not drop the schema:', e.message));
  await client.end();
}
