#!/usr/bin/env node
// `node bench/src/healthz-under-load.mjs [--db sqlite|postgres|mysql] [--seconds 10] [--visits 20000]`:
// the built standalone service (service/dist/main.js) under a flood of GET /stats?user_id= at 50
// connections, while GET /healthz is polled every 50 ms on its own connection. Prints the flood's
// rate and /healthz's p50 / p99 / max. Run `npm run build` first.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { percentile, round, scratchDir } from './util.mjs';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    seconds: { type: 'string', default: '10' },
    visits: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '50' },
    // Writes the service's CPU profile (node --cpu-prof) into this folder.
    profile: { type: 'string' },
  },
});
const root = fileURLToPath(new URL('../../', import.meta.url));
const seconds = Number(args.seconds);
const visits = Number(args.visits);
const connections = Number(args.connections);
const log = (...a) => process.stderr.write(a.join(' ') + '\n');

// The service uses the default table names: on a server, a database of the bench's own, emptied first.
const SCRATCH = 'promo_track_healthz_bench';
let databaseUrl;
let file;
if (args.db === 'sqlite') {
  file = `${scratchDir()}/healthz-${process.pid}.db`;
  databaseUrl = `sqlite:${file}`;
} else if (args.db === 'postgres') {
  const server = new URL(process.env.PROMO_TRACK_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  const admin = new pg.Client({ connectionString: server.href });
  await admin.connect();
  await admin.query(`drop database if exists ${SCRATCH}`);
  await admin.query(`create database ${SCRATCH}`);
  await admin.end();
  server.pathname = `/${SCRATCH}`;
  databaseUrl = server.href;
} else {
  const server = new URL(process.env.PROMO_TRACK_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
  const admin = await mysql.createConnection({ uri: server.href });
  await admin.query(`drop database if exists ${SCRATCH}`);
  await admin.query(`create database ${SCRATCH}`);
  await admin.end();
  server.pathname = `/${SCRATCH}`;
  databaseUrl = server.href;
}

const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
const service = spawn(process.execPath, [...profile, 'service/dist/main.js'], {
  cwd: root,
  env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, PROMO_SALT: 'bench-healthz-salt', ADMIN_TOKEN: '' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let out = '';
  service.stdout.on('data', (chunk) => {
    out += chunk;
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  service.on('exit', (code) => reject(new Error(`service exited with ${code}`)));
});
log(`service on ${url} (${args.db})`);

// Seed over HTTP: one promoter (user 1) whose code `visits` visitors used.
const post = (path, body) =>
  fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const { promocode } = await (await fetch(`${url}/tracks/1/1`)).json();
const base = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
for (let done = 0; done < visits; done += 1000) {
  const events = Array.from({ length: Math.min(1000, visits - done) }, (_, i) => ({ user_id: base + done + i, promocode, scene: 1047 }));
  const res = await post('/tracks/batch', { events });
  if (res.status !== 201) throw new Error(`seeding: ${res.status} ${await res.text()}`);
}
log(`seeded ${visits} visits through user 1's code`);

// /healthz on a connection of its own, every 50 ms, for the length of the flood, from a thread of its
// own: autocannon keeps this thread's event loop busy, which would count against /healthz.
const poller = new Worker(
  `
  const { parentPort, workerData } = require('node:worker_threads');
  const { Agent, request } = require('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples = [];
  let flooding = true;
  parentPort.on('message', () => (flooding = false));
  const healthz = () =>
    new Promise((resolve) => {
      const start = performance.now();
      request(workerData + '/healthz', { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: performance.now() - start, status: res.statusCode }));
      })
        .on('error', () => resolve({ ms: performance.now() - start, status: 0 }))
        .end();
    });
  (async () => {
    while (flooding) {
      samples.push(await healthz());
      await new Promise((r) => setTimeout(r, 50));
    }
    agent.destroy();
    parentPort.postMessage(samples);
  })();
  `,
  { eval: true, workerData: url },
);
const polled = new Promise((resolve) => poller.once('message', resolve));

const result = await autocannon({ url: `${url}/stats?user_id=1`, connections, duration: seconds });
poller.postMessage('stop');
const samples = await polled;
await poller.terminate();

const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
const summary = {
  db: args.db,
  visits,
  connections,
  stats_per_s: round(result.requests.average),
  stats_non_2xx: result.non2xx,
  stats_p99_ms: result.latency.p99,
  healthz_samples: ms.length,
  healthz_not_200: samples.filter((s) => s.status !== 200).length,
  healthz_p50_ms: round(percentile(ms, 50), 1),
  healthz_p99_ms: round(percentile(ms, 99), 1),
  healthz_max_ms: round(ms.at(-1), 1),
};
console.log(JSON.stringify(summary));
service.kill('SIGTERM');
await new Promise((r) => service.on('exit', r));
if (file) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
