// `npm run bench -- latency [--table] [--delay 0.5] [--only postgres,first] [--rounds 5] [--seconds 2]`:
// the library and its hand-written twin with the database behind a latency proxy (issue 29), on
// PostgreSQL through pg and through Postgres.js, and on MariaDB (`--only postgres.js`, `--only mariadb`).
// Default: 0.5 ms each way; `--table`: 0, 0.25, 0.5 and 1 ms. Each side talks through its own proxy,
// which counts its round trips (latency-proxy.mjs says what it counts).
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import { createPool } from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import postgres from 'postgres';
import { PostgresJSDialect } from 'kysely-postgres-js';
import { createTracker } from '@promo-track/core';
import { startLatencyProxy } from './latency-proxy.mjs';
import { timedAsync } from './measure.mjs';
import { copyTable as copyTablePg, dropPrefixed } from './cases/postgres.mjs';
import { createServerTwin, twinSchema } from './twin-server.mjs';
import { log, median, rng } from './util.mjs';
import { check, checkWire, createStream, OWNERS, SALT, SEED_BASE, SEED_VISITORS } from './workload.mjs';

const URLS = {
  postgres: process.env.PROMO_TRACK_PG_URL || 'postgres://postgres@127.0.0.1:5432/test',
  mysql: process.env.PROMO_TRACK_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test',
};
const POOL = 10;
const BATCH = 1000;
const CONNECTIONS = 50;
const HTTP_SERVER = fileURLToPath(new URL('./latency-http-server.mjs', import.meta.url));

/** Copies a table of the SQLite template into MySQL, ids included. */
async function copyTableMysql(src, pool, from, to) {
  const rows = src.prepare(`select * from ${from}`).all();
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const per = Math.floor(30_000 / cols.length);
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const values = chunk.map(() => `(${cols.map(() => '?').join(', ')})`);
    await pool.query(
      `insert into ${to} (${cols.join(', ')}) values ${values.join(', ')}`,
      chunk.flatMap((r) => cols.map((c) => r[c])),
    );
  }
}

async function dropPrefixedMysql(pool, prefix) {
  const [rows] = await pool.query(
    `select table_name as t from information_schema.tables where table_schema = database() and table_name like ?`,
    [`${prefix}%`],
  );
  await pool.query('set foreign_key_checks = 0');
  for (const { t } of rows) await pool.query(`drop table if exists \`${t}\``);
}

/** New users' first visits, each through a random owner's code. */
function firstVisits(codes, seed, base) {
  const r = rng(seed);
  let next = base;
  return {
    next() {
      const owner = 1 + r.int(OWNERS);
      return { input: { userId: ++next, promocode: codes[owner - 1], scene: '1047' }, expect: { trackType: 1, referrerId: owner } };
    },
    confirm() {},
  };
}

/**
 * Seeded users coming back (each has visited before): a later visit. `users`: how many of them come
 * back (a few hundred: soon all recorded by this process too, which then knows them; all of them:
 * mostly users this process has not seen).
 */
function laterVisits(codes, seed, users = SEED_VISITORS) {
  const r = rng(seed);
  return {
    next() {
      const owner = 1 + r.int(OWNERS);
      const userId = SEED_BASE + 1 + r.int(users);
      return { input: { userId, promocode: codes[owner - 1], scene: '1048' }, expect: { trackType: 2, referrerId: owner } };
    },
    confirm() {},
  };
}

/** What the bench runs on: a database and the driver both sides use (the twin's hand-written code over the same driver). */
const TARGETS = [
  { kind: 'postgres', driver: 'pg', label: 'postgres' },
  { kind: 'postgres', driver: 'postgres.js', label: 'postgres.js' },
  { kind: 'mysql', driver: 'mysql2', label: 'mariadb' },
];

/** The pool of a side's driver: `pg.Pool`, a Postgres.js client (named prepared statements, as it defaults to), or mysql2's. */
function poolOf(driver, url) {
  if (driver === 'pg') return new pg.Pool({ connectionString: url, max: POOL });
  if (driver === 'postgres.js') return postgres(url, { max: POOL, onnotice: () => undefined });
  return mysqlPromise.createPool({ uri: url, connectionLimit: POOL });
}

/** One database's two sides: the library and the twin, each over its own proxy and tables. */
async function openDatabase({ kind, driver, label }, templates) {
  const url = URLS[kind];
  const target = { host: new URL(url).hostname, port: Number(new URL(url).port || (kind === 'postgres' ? 5432 : 3306)) };
  const prefix = `lat_${Math.random().toString(16).slice(2, 8)}_`;
  const libPrefix = `${prefix}lib_`;
  const twinPrefix = `${prefix}twin_`;
  const libProxy = await startLatencyProxy({ target, protocol: kind, delayMs: 0 });
  const twinProxy = await startLatencyProxy({ target, protocol: kind, delayMs: 0 });

  // Seeding goes straight to the server, not through the proxies.
  const direct =
    kind === 'postgres' ? new pg.Pool({ connectionString: url, max: 2 }) : mysqlPromise.createPool({ uri: url, connectionLimit: 2 });
  const copy = kind === 'postgres' ? copyTablePg : copyTableMysql;
  const dialectFor = (u) =>
    driver === 'pg'
      ? new PostgresDialect({ pool: new pg.Pool({ connectionString: u, max: POOL }) })
      : driver === 'postgres.js'
        ? new PostgresJSDialect({ postgres: postgres(u, { max: POOL, onnotice: () => undefined }) })
        : new MysqlDialect({ pool: createPool({ uri: u, connectionLimit: POOL }) });
  const seedDb = new Kysely({ dialect: dialectFor(url) });
  await createTracker({ db: seedDb, salt: SALT, tablePrefix: libPrefix }).migrate();
  await seedDb.destroy();
  const lib = new Database(templates.libFile, { readonly: true });
  for (const t of ['promo', 'track', 'visitor', 'referral', 'decision']) await copy(lib, direct, t, libPrefix + t);
  lib.close();
  for (const statement of twinSchema(kind, twinPrefix)) await direct.query(statement);
  const tw = new Database(templates.twinFile, { readonly: true });
  for (const t of ['promo', 'track', 'referral']) await copy(tw, direct, t, twinPrefix + t);
  tw.close();
  await direct.query(kind === 'postgres' ? 'analyze' : `analyze table ${libPrefix}track, ${libPrefix}visitor, ${twinPrefix}track`);

  const db = new Kysely({ dialect: dialectFor(libProxy.url(url)) });
  const tracker = createTracker({ db, salt: SALT, tablePrefix: libPrefix });
  const twinPool = poolOf(driver, twinProxy.url(url));
  const twin = createServerTwin(driver, twinPool, twinPrefix, SALT);
  return {
    kind,
    driver,
    label,
    url,
    libPrefix,
    twinPrefix,
    libProxy,
    twinProxy,
    direct,
    tracker,
    twin,
    setDelay(ms) {
      libProxy.delayMs = ms;
      twinProxy.delayMs = ms;
    },
    async close() {
      await db.destroy().catch(() => undefined);
      await twinPool.end().catch(() => undefined);
      try {
        await (kind === 'postgres' ? dropPrefixed(direct, prefix) : dropPrefixedMysql(direct, prefix));
      } catch (error) {
        log(`could not drop ${prefix}* tables: ${error.message}`);
      }
      await direct.end();
      await libProxy.close();
      await twinProxy.close();
    },
  };
}

function startHttpServer(side, d) {
  const proxy = side === 'lib' ? d.libProxy : d.twinProxy;
  const prefix = side === 'lib' ? d.libPrefix : d.twinPrefix;
  const child = fork(HTTP_SERVER, [side, d.kind, proxy.url(d.url), prefix], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', ({ port }) => resolve({ child, url: `http://127.0.0.1:${port}` }));
    child.once('exit', (code) => reject(new Error(`latency http ${side} server exited with ${code}`)));
  });
}

/** User + system CPU of a process so far, in µs (Linux: /proc, 100 ticks a second). */
function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * The database's CPU for one side so far, in µs: on PostgreSQL the backends of that side's server
 * (its pool names itself `latency-<side>`); MariaDB serves every connection from one process, so
 * there the whole server's (only one side runs at a time; other clients of the server count too).
 */
async function databaseCpuMicros(d, side) {
  let pids;
  if (d.kind === 'postgres') {
    const { rows } = await d.direct.query('select pid from pg_stat_activity where application_name = $1', [`latency-${side}`]);
    pids = rows.map((r) => String(r.pid));
  } else {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && /^(mariadbd|mysqld)$/.test(readText(`/proc/${name}/comm`)));
  }
  return pids.reduce((sum, pid) => sum + (readText(`/proc/${pid}/stat`) ? cpuMicros(pid) : 0), 0);
}

const readText = (file) => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return ''; // gone meanwhile
  }
};

/** POST /tracks from 50 connections for `seconds`, every answer checked. */
function load(url, stream, seconds, where) {
  const failures = [];
  let ok = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: '/tracks',
            headers: { 'content-type': 'application/json' },
            setupRequest(req, context) {
              context.v = stream.next();
              const { input } = context.v;
              return { ...req, body: JSON.stringify({ user_id: input.userId, promocode: input.promocode, scene: Number(input.scene) }) };
            },
            onResponse(status, body, context) {
              try {
                if (status !== 201) throw new Error(`${where}: status ${status}: ${body}`);
                checkWire(JSON.parse(body), context.v, where);
                stream.confirm(context.v);
                ok++;
              } catch (error) {
                failures.push(error);
              }
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        if (failures.length) return reject(failures[0]);
        resolve({ ops: ok, secs: result.duration });
      },
    );
  });
}

/** The cases of one database: each answers `run(side, seconds)` → { ops, secs, calls }. */
function casesOf(d, codes) {
  const call = (stream, recordTrack, where) => async () => {
    const v = stream.next();
    check(await recordTrack(v.input), v, where);
    stream.confirm(v);
    return 1;
  };
  const pair = (name, unit, make) => {
    const sides = { lib: make('lib'), twin: make('twin') };
    return { name: `${name} ${d.label}`, unit, run: (side, seconds) => sides[side](seconds), close: () => undefined };
  };
  const recordTrackOf = (side) => (side === 'lib' ? (i) => d.tracker.recordTrack(i) : (i) => d.twin.recordTrack(i));
  const cases = [
    pair('recordTrack first visit', 'tracks', (side) => {
      const op = call(firstVisits(codes, 51, side === 'lib' ? 2_000_000 : 2_000_000), recordTrackOf(side), side);
      return async (seconds) => ({ ...(await timedAsync(seconds, op)) });
    }),
    pair('recordTrack later visit', 'tracks', (side) => {
      const op = call(laterVisits(codes, 52), recordTrackOf(side), side);
      return async (seconds) => ({ ...(await timedAsync(seconds, op)) });
    }),
    pair('recordTrack later visit, 300 users again and again', 'tracks', (side) => {
      const op = call(laterVisits(codes, 55, 300), recordTrackOf(side), side);
      return async (seconds) => ({ ...(await timedAsync(seconds, op)) });
    }),
    pair(`recordTracks (${BATCH} per call)`, 'tracks', (side) => {
      const stream = createStream(codes, 53, 3_000_000);
      const op = async () => {
        const batch = Array.from({ length: BATCH }, () => stream.next());
        const tracks = await (side === 'lib'
          ? d.tracker.recordTracks(batch.map((v) => v.input))
          : d.twin.recordTracks(batch.map((v) => v.input)));
        batch.forEach((v, j) => check(tracks[j], v, side));
        batch.forEach((v) => stream.confirm(v));
        return BATCH;
      };
      return async (seconds) => {
        const r = await timedAsync(seconds, op);
        return { ...r, calls: r.ops / BATCH };
      };
    }),
    pair('getOrCreatePromo hit', 'calls', (side) => {
      const r = rng(54);
      const op = async () => {
        const userId = 1 + r.int(OWNERS);
        const p = await (side === 'lib' ? d.tracker.getOrCreatePromo({ userId }) : d.twin.getOrCreatePromo({ userId }));
        if (!p || p.userId !== userId || p.promocode !== codes[userId - 1])
          throw new Error(`${side}: wrong promo for ${userId}: ${JSON.stringify(p)}`);
        return 1;
      };
      return (seconds) => timedAsync(seconds, op);
    }),
  ];
  // POST /tracks, 50 connections: a server process per side (its pool of 10 through the proxy), on
  // each database's default driver (pg, mysql2).
  if (d.driver === 'postgres.js') return cases;
  const servers = {};
  const streams = { lib: createStream(codes, 55, 4_000_000), twin: createStream(codes, 55, 4_000_000) };
  cases.push({
    name: `POST /tracks, ${CONNECTIONS} connections ${d.label}`,
    unit: 'requests',
    async run(side, seconds) {
      servers[side] ??= await startHttpServer(side, d);
      // CPU spent meanwhile by the side's server process and by the database server (only this side runs).
      const before = { server: cpuMicros(servers[side].child.pid), database: await databaseCpuMicros(d, side) };
      const r = await load(servers[side].url, streams[side], seconds, `${side} POST /tracks`);
      const per = (after, was) => (after - was) / r.ops;
      const cpu = {
        server: per(cpuMicros(servers[side].child.pid), before.server),
        database: per(await databaseCpuMicros(d, side), before.database),
      };
      return { ...r, cpu };
    },
    close() {
      for (const s of Object.values(servers)) {
        s.child.removeAllListeners('exit');
        s.child.kill();
      }
    },
  });
  return cases;
}

/** Runs both sides of a case, in alternating order, and reads each proxy's round trips per call. */
async function measure(d, c, seconds, i) {
  const one = async (side) => {
    const proxy = side === 'lib' ? d.libProxy : d.twinProxy;
    const before = proxy.roundTrips;
    const r = await c.run(side, seconds);
    return { rate: r.ops / r.secs, trips: (proxy.roundTrips - before) / (r.calls ?? r.ops), cpu: r.cpu };
  };
  if (i % 2 === 0) {
    const lib = await one('lib');
    return { lib, twin: await one('twin') };
  }
  const twin = await one('twin');
  return { lib: await one('lib'), twin };
}

export async function runLatency(args) {
  const { loadTemplates } = await import('./seed.mjs');
  const delays = args.table ? [0, 0.25, 0.5, 1] : [Number(args.delay ?? 0.5)];
  const rounds = Number(args.rounds ?? (args.table ? 3 : 5));
  const seconds = Number(args.seconds ?? (args.table ? 1 : 2));
  const only = args.only ? args.only.split(',').map((s) => s.trim()) : null;
  const selected = (name) => !only || only.every((text) => name.includes(text));
  log(
    `load before: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${os.cpus().length} cores)`,
  );
  const templates = await loadTemplates({ fresh: args.fresh });
  const results = [];
  for (const target of TARGETS) {
    // `--only postgres` runs both PostgreSQL drivers; `--only postgres.js` or `--only mariadb` one target.
    const named = (only ?? []).filter((t) => TARGETS.some((x) => x.label === t));
    if (named.length > 0 && !named.some((t) => target.label.startsWith(t))) continue;
    let d;
    try {
      d = await openDatabase(target, templates);
    } catch (error) {
      log(`SKIPPED ${target.label}: ${error.message}`);
      continue;
    }
    const cases = casesOf(d, templates.codes).filter((c) => selected(c.name));
    try {
      for (const delay of delays) {
        d.setDelay(delay);
        for (const c of cases) {
          await measure(d, c, Math.min(1, seconds), 0); // warm-up
          const rs = [];
          for (let i = 0; i < rounds; i++) rs.push(await measure(d, c, seconds, i));
          const ratios = rs.map((r) => r.lib.rate / r.twin.rate);
          const row = {
            case: c.name,
            delay_ms: delay,
            lib_per_sec: Math.round(median(rs.map((r) => r.lib.rate))),
            twin_per_sec: Math.round(median(rs.map((r) => r.twin.rate))),
            ratio: median(ratios),
            spread: [Math.min(...ratios), Math.max(...ratios)],
            lib_trips: median(rs.map((r) => r.lib.trips)),
            twin_trips: median(rs.map((r) => r.twin.trips)),
            unit: c.unit,
            cpu: rs[0].lib.cpu && {
              lib: { server: median(rs.map((r) => r.lib.cpu.server)), database: median(rs.map((r) => r.lib.cpu.database)) },
              twin: { server: median(rs.map((r) => r.twin.cpu.server)), database: median(rs.map((r) => r.twin.cpu.database)) },
            },
          };
          results.push(row);
          log(
            `${row.case} @ ${delay} ms: ${row.lib_per_sec} vs ${row.twin_per_sec} ${c.unit}/s, ${row.ratio.toFixed(2)}× ` +
              `(${row.spread.map((x) => x.toFixed(2)).join('–')}), round trips/call ${row.lib_trips.toFixed(2)} vs ${row.twin_trips.toFixed(2)}` +
              (row.cpu
                ? `; CPU µs/request: server ${Math.round(row.cpu.lib.server)} vs ${Math.round(row.cpu.twin.server)}, ` +
                  `database ${Math.round(row.cpu.lib.database)} vs ${Math.round(row.cpu.twin.database)}`
                : ''),
          );
        }
      }
    } finally {
      for (const c of cases) c.close();
      await d.close();
    }
  }
  log(
    `load after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (args.json) {
    process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    return;
  }
  const lines = [
    '| case | delay each way | library | twin | ratio (spread) | round trips/call lib | twin |',
    '|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.case} | ${r.delay_ms} ms | ${r.lib_per_sec} ${r.unit}/s | ${r.twin_per_sec} ${r.unit}/s | ${r.ratio.toFixed(2)}× (${r.spread
          .map((x) => x.toFixed(2))
          .join('–')}) | ${r.lib_trips.toFixed(2)} | ${r.twin_trips.toFixed(2)} |`,
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
