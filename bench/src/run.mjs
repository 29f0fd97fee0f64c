#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --json]`: every promo-track case beside its hand-written twin.
// Builds the packages first (turbo, cached), then measures the built dist — what users install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// `npm run bench -- partitions`: the standalone partitioning prototype (docs/scale.md), not a bench case.
if (process.argv[2] === 'partitions') {
  await import('./partitions.mjs');
  process.exit(0);
}

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    // `npm run bench -- latency [--table] [--delay 0.5]`: the database behind a latency proxy (latency.mjs).
    table: { type: 'boolean', default: false },
    delay: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    only: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    'no-statement-cache': { type: 'boolean', default: false },
  },
});

// Read by seed.mjs and http-server.mjs (child processes inherit it).
if (args['no-statement-cache']) process.env.PROMO_TRACK_BENCH_STATEMENT_CACHE = '0';

const root = fileURLToPath(new URL('../../', import.meta.url));
const log = (...a) => process.stderr.write(a.join(' ') + '\n');

if (!args['no-build']) {
  log('building packages (turbo run build)…');
  const built = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) {
    if (!existsSync(new URL('../../packages/core/dist/index.js', import.meta.url))) {
      log('build failed and there is no dist to measure');
      process.exit(1);
    }
    log('WARNING: build failed; measuring the dist already on disk');
  }
}

if (positionals[0] === 'latency') {
  const { runLatency } = await import('./latency.mjs');
  await runLatency(args);
  process.exit(0);
}

const { latencySummary, median, round, scratchDir } = await import('./util.mjs');
const { loadTemplates } = await import('./seed.mjs');
const {
  recordTrackSqlite,
  recordTrackSqliteBoundHook,
  recordTrackSqliteTrackHook,
  recordTrackSqliteConcurrent,
  recordTracksSqlite,
  getOrCreatePromoHitSqlite,
  findPromoSqlite,
} = await import('./cases/sqlite.mjs');
const { httpExpress, httpKoa, httpFastify, httpHono } = await import('./cases/http.mjs');
const { recordTrackPostgres } = await import('./cases/postgres.mjs');
const { recordTrackSqliteAbuse } = await import('./cases/abuse.mjs');
const { recordConversionSqlite, recordConversionPostgres } = await import('./cases/conversions.mjs');
const { statsSqlite, STATS_SIZES } = await import('./cases/stats.mjs');
const { recordTrackRewardPair, recordConversionRewardPair } = await import('./cases/rewards.mjs');

const env = {
  rounds: Number(args.rounds ?? (args.quick ? 5 : 9)),
  seconds: Number(args.seconds ?? (args.quick ? 1 : 3)),
  warmup: args.quick ? 0.5 : 1,
  statsSeconds: args.quick ? 0.5 : 2,
  dir: scratchDir(),
};

const TARGETS = {
  'recordTrack sqlite': 0.8,
  'recordTrack sqlite, 50 concurrent callers': 1.5,
  'findPromo sqlite': 0.8,
  // Informational: the outbox's cost is read against recordTrack sqlite (the twin writes no outbox).
  'recordTrack sqlite, referral.bound webhook': 0.8,
  'recordTrack sqlite, track.recorded webhook': 0.8,
  // Against the library itself with the four checks off (the "twin" column), not the hand-written twin.
  'recordTrack sqlite, abuse checks on vs off': 0.9,
  // Informational, library against itself: what reward rules cost per call (1.00× is free).
  'recordTrack sqlite: a referral.bound rule (twin: no rules)': 0.8,
  'recordConversion sqlite: three rules (twin: no rules)': 0.7,
  'recordTracks sqlite (1000 per call)': 0.7,
  'getOrCreatePromo hit sqlite': 0.8,
  'http express POST /tracks': 0.85,
  'http koa POST /tracks': 0.85,
  'http fastify POST /tracks': 1.0,
  'http hono POST /tracks': 1.0,
  'recordTrack postgres': 0.8,
  'recordConversion sqlite': 0.9,
  'recordConversion postgres': 0.9,
};

// `--only 'http fastify,http hono'`: cases whose name contains any of the comma-separated texts.
const selected = (c) => !args.only || args.only.split(',').some((text) => c.name.includes(text.trim()));
const ratioCases = [
  recordTrackSqlite,
  recordTrackSqliteBoundHook,
  recordTrackSqliteTrackHook,
  recordTrackSqliteAbuse,
  recordTrackSqliteConcurrent,
  recordTracksSqlite,
  getOrCreatePromoHitSqlite,
  findPromoSqlite,
  httpExpress,
  httpKoa,
  httpFastify,
  httpHono,
  recordTrackPostgres,
  recordConversionSqlite,
  recordConversionPostgres,
  recordTrackRewardPair,
  recordConversionRewardPair,
].filter(selected);

const t0 = Date.now();
log('seeding (10k promos, 50k earlier visits; reused while the build and the seed code are unchanged)…');
env.templates = await loadTemplates({ fresh: args.fresh });
log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s (${env.templates.cached})`);

const live = [];
const skipped = new Map();
for (const c of ratioCases) {
  try {
    await c.setup(env);
    live.push({ c, rounds: [] });
    log(`ready: ${c.name}`);
  } catch (error) {
    skipped.set(c.name, error.message.split('\n')[0]);
    log(`SKIPPED ${c.name}: ${error.message.split('\n')[0]}`);
    await c.teardown().catch(() => undefined);
  }
}

let failed = null;
try {
  for (let i = 0; i < env.rounds; i++) {
    for (const entry of live) {
      const { lib, twin } = await entry.c.round(i, env);
      const libRate = lib.ops / lib.secs;
      const twinRate = twin.ops / twin.secs;
      entry.rounds.push({ libRate, twinRate, ratio: libRate / twinRate, lat: lib.lat, twinLat: twin.lat });
    }
    log(`round ${i + 1}/${env.rounds} done (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
} catch (error) {
  failed = error;
}
for (const { c } of live) await c.teardown().catch((e) => log(`teardown ${c.name}: ${e.message}`));
if (failed) {
  log(`FAILED: ${failed.stack ?? failed}`);
  process.exit(1);
}

let stats = null;
if (selected(statsSqlite)) {
  try {
    stats = await statsSqlite.run(env);
  } catch (error) {
    log(`FAILED: ${statsSqlite.name}: ${error.stack ?? error}`);
    process.exit(1);
  }
}

// 10M tracks: seeded once and kept between runs; only without --quick.
let big = null;
if (!args.quick && (!args.only || '10M tracks'.includes(args.only) || args.only === '10M')) {
  const { runBig } = await import('./cases/big.mjs');
  try {
    big = await runBig(env);
  } catch (error) {
    log(`FAILED: 10M tracks: ${error.stack ?? error}`);
    process.exit(1);
  }
}

// ---- output -------------------------------------------------------------------------------
const lines = [];
const rows = [];
for (const { c, rounds } of live) {
  const { p50_us, p99_us } = latencySummary(rounds.flatMap((r) => r.lat));
  const twinLat = latencySummary(rounds.flatMap((r) => r.twinLat));
  const line = {
    case: c.name,
    ops_per_sec: round(median(rounds.map((r) => r.libRate))),
    twin_ops_per_sec: round(median(rounds.map((r) => r.twinRate))),
    ratio: round(median(rounds.map((r) => r.ratio)), 3),
    p50_us,
    p99_us,
  };
  lines.push(line);
  const spread = rounds.map((r) => r.ratio);
  rows.push([
    c.name,
    `${line.ops_per_sec} ${c.unit}/s`,
    `${line.twin_ops_per_sec} ${c.unit}/s`,
    `${line.ratio.toFixed(2)}× (${Math.min(...spread).toFixed(2)}–${Math.max(...spread).toFixed(2)})`,
    `≥ ${TARGETS[c.name]}× ${line.ratio >= TARGETS[c.name] ? 'met' : 'MISSED'}`,
    `${p50_us} / ${p99_us}`,
    `${twinLat.p50_us} / ${twinLat.p99_us}`,
  ]);
}
for (const [name, reason] of skipped) {
  lines.push({ case: name, ops_per_sec: null, twin_ops_per_sec: null, ratio: null, p50_us: null, p99_us: null, skipped: reason });
  rows.push([name, 'skipped', '', '', reason, '', '']);
}

const table = (header, body) => {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i]).length)));
  const fmt = (r) => '| ' + r.map((x, i) => String(x).padEnd(widths[i])).join(' | ') + ' |';
  return [fmt(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(fmt)].join('\n');
};

let out = table(['case', 'promo-track', 'hand-written twin', 'ratio (min–max)', 'target', 'p50 / p99 µs', 'twin p50 / p99 µs'], rows);

if (stats) {
  const sizeLabel = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
  const statRows = Object.entries(stats).map(([label, bySize]) => {
    const ms = STATS_SIZES.map((n) => bySize[n].ms);
    const growth = ms.at(-1) / ms[0];
    const target = label === 'global' ? (ms.at(-1) <= 20 ? 'met (≤ 20 ms)' : 'MISSED (≤ 20 ms)') : ms.at(-1) <= 20 ? 'met' : 'MISSED';
    return [label, ...ms.map((x) => x.toFixed(2)), `${growth.toFixed(2)}×`, bySize[STATS_SIZES.at(-1)].first.toFixed(0), target];
  });
  out +=
    '\n\nstats sqlite 1M tracks (ms per call, median after the first; the first global call at each size builds the rollups of 90 closed days)\n' +
    table(
      ['stats call', ...STATS_SIZES.map((n) => `${sizeLabel(n)} rows`), '1M / 10k', 'first call at 1M', 'target ≤ 20 ms at 1M'],
      statRows,
    );
  // The headline is the operator's search (one promocode); every other call is in ms_per_call.
  const head = stats['one promocode'];
  const big = head[STATS_SIZES.at(-1)];
  const { p50_us, p99_us } = latencySummary(big.lat);
  lines.push({
    case: statsSqlite.name,
    ops_per_sec: round(1000 / big.ms),
    twin_ops_per_sec: null,
    ratio: round(big.ms / head[STATS_SIZES[0]].ms, 3),
    p50_us,
    p99_us,
    ms_per_call: Object.fromEntries(
      Object.entries(stats).map(([label, bySize]) => [
        label,
        Object.fromEntries(STATS_SIZES.map((n) => [sizeLabel(n), round(bySize[n].ms, 3)])),
      ]),
    ),
  });
}

if (big) {
  const bigRows = [];
  for (const db of ['sqlite', 'postgres']) {
    const r = big[db];
    if (!r || r.skipped) {
      bigRows.push([`${db}`, 'skipped', '', '', r?.skipped ?? '']);
      continue;
    }
    const { at, ...calls } = r;
    for (const [label, { ms, first }] of Object.entries(calls)) {
      const limit = { 'global, last 30 days': 50, 'leaderboard, last 30 days': 100 }[label];
      const target = limit ? (ms <= limit ? `met (≤ ${limit} ms)` : `MISSED (≤ ${limit} ms)`) : '';
      bigRows.push([`${db}: ${label}`, ms.toFixed(2), first.toFixed(0), target]);
    }
    bigRows.push([`${db}: measured at`, at.slice(11, 16) + ' UTC', '', '']);
  }
  out +=
    '\n\nstats and leaderboard at 10M tracks (ms per call, median; first call: builds missing rollups)\n' +
    table(['call', 'ms', 'first call ms', 'target'], bigRows);
  const d = big.dashboard;
  if (d?.skipped) out += `\n\ndashboard on 10M tracks: skipped (${d.skipped})`;
  else if (d) {
    const met = d.cold_median_ms <= 1500 && d.warm_median_ms <= 1500 ? 'met' : 'MISSED';
    const routes = (r) =>
      Object.entries(r)
        .filter(([path]) => !path.includes('/app.') && path !== '/favicon.ico')
        .map(([path, ms]) => `${path} ${ms}`)
        .join(', ');
    out +=
      `\n\ndashboard on 10M tracks (SQLite, headless Chromium; navigation → first full render): cold ${d.cold_median_ms} ms (${d.cold_ms.join(', ')}), ` +
      `warm ${d.warm_median_ms} ms (${d.warm_ms.join(', ')}) (target ≤ 1500 ms: ${met})` +
      `\n  requests, cold (ms, median): ${routes(d.cold_requests)}\n  requests, warm: ${routes(d.warm_requests)}` +
      `\n  the median cold load (request: start + ms after navigation): ${d.cold_timeline}`;
  }
  const e = big.export;
  out += `\n\nCSV export of ${e.rows} tracks (GET /export/tracks.csv through core's handler, own process): ${e.rows_per_sec} rows/s, ${e.secs} s, ${e.mb} MB of CSV, heap ${e.start_heap_mb} MB at start, peak ${e.peak_heap_mb} MB (target ≤ 150 MB: ${e.peak_heap_mb <= 150 ? 'met' : 'MISSED'})`;
  lines.push({ case: 'stats 10M', ...big });
}
if (args['no-statement-cache'])
  out += '\n\n--no-statement-cache: the library side gives Kysely the bare better-sqlite3 handle (every query prepared again).';
out += `\n\n${env.rounds} interleaved rounds of ${env.seconds} s per side; ratio = median over rounds of (promo-track rate / twin rate in the same round). Total ${((Date.now() - t0) / 1000).toFixed(0)} s.`;
if (args.json) {
  log('\n' + out);
  for (const line of lines) process.stdout.write(JSON.stringify(line) + '\n');
} else {
  process.stdout.write(out + '\n');
}
process.exit(0);
