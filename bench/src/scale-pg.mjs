#!/usr/bin/env node
// `node bench/src/scale-pg.mjs [seconds]`: the standalone service as 1, 2 and 4 processes over one
// PostgreSQL database (its own database, `promo_scale`, made afresh), 100 connections of
// POST /tracks spread evenly over them (autocannon, in this process). Every request is a new
// visit with its own user and event_id; afterwards the database must hold exactly one track per
// 2xx answer (no lost visit) and no (user_id, event_id) twice (no duplicate).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';

const SECONDS = Number(process.argv[2] ?? 10);
const ADMIN_URL = process.env.PROMO_TRACK_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const url = new URL(ADMIN_URL);
url.pathname = '/promo_scale';
const DATABASE_URL = url.toString();
const MAIN = fileURLToPath(new URL('../../service/dist/main.js', import.meta.url));
const CONNECTIONS = 100;
const log = (...a) => process.stderr.write(a.join(' ') + '\n');

const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query('drop database if exists promo_scale');
await admin.query('create database promo_scale');
await admin.end();
const db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });

function start(port) {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL,
      PROMO_SALT: 'scale-bench-salt-0123',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      if (/http:\/\//.test(String(d))) resolve({ child, base: `http://127.0.0.1:${port}` });
    });
    child.once('exit', (code) => reject(new Error(`service on ${port} exited with ${code}`)));
  });
}

function load(base, connections, firstUser, codes) {
  let next = firstUser;
  return new Promise((resolve, reject) =>
    autocannon(
      {
        url: base,
        connections,
        duration: SECONDS,
        requests: [
          {
            method: 'POST',
            path: '/tracks',
            headers: { 'content-type': 'application/json' },
            setupRequest(req) {
              const user = next++;
              return {
                ...req,
                body: JSON.stringify({ user_id: user, promocode: codes[user % codes.length], scene: 1047, event_id: `e${user}` }),
              };
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
}

const rows = [];
for (const processes of [1, 2, 4]) {
  const servers = [];
  for (let i = 0; i < processes; i++) servers.push(await start(3900 + i));
  // The owners' codes (the first start migrated the database).
  const codes = [];
  for (let owner = 1; owner <= 100; owner++) codes.push((await (await fetch(`${servers[0].base}/tracks/${owner}/1`)).json()).promocode);
  await db.query('truncate track, visitor, referral, share');
  const per = CONNECTIONS / processes;
  const results = await Promise.all(servers.map((s, i) => load(s.base, per, 1_000_000 + i * 100_000_000 + processes * 10_000_000, codes)));
  for (const s of servers) s.child.kill('SIGTERM');
  await Promise.all(servers.map((s) => new Promise((r) => s.child.once('exit', r))));
  const ok = results.reduce((n, r) => n + r['2xx'], 0);
  const other = results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  const {
    rows: [c],
  } = await db.query(
    `select count(*)::int as tracks, count(distinct (user_id, event_id))::int as distinct_events, count(distinct user_id)::int as users from track`,
  );
  const row = {
    processes,
    req_per_sec: Math.round(ok / SECONDS),
    ok,
    failed: other,
    tracks: c.tracks,
    lost: Math.max(0, ok - c.tracks),
    duplicates: c.tracks - c.distinct_events,
  };
  rows.push(row);
  log(JSON.stringify(row));
}
await db.end();
console.log('| processes | requests/s (2xx) | 2xx | failed | tracks stored | lost | duplicate |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows)
  console.log(`| ${r.processes} | ${r.req_per_sec} | ${r.ok} | ${r.failed} | ${r.tracks} | ${r.lost} | ${r.duplicates} |`);
