// `node bench/src/http-cpu.mjs [express|koa|fastify|hono …]` (after one `npm run bench`, which builds
// and seeds): the server process's CPU time per POST /tracks, promo-track beside its twin. On a
// shared machine this moves far less than requests/s, which depend on who else holds the cores.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { copies, loadTemplates } from './seed.mjs';
import { scratchDir } from './util.mjs';
import { createStream } from './workload.mjs';

const SERVER = fileURLToPath(new URL('./http-server.mjs', import.meta.url));
const ROUNDS = 8;
const SECONDS = 2;

/** User + system CPU of a process so far, in µs (Linux: /proc, 100 ticks a second). */
function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

function startServer(framework, side, file) {
  const child = fork(SERVER, [framework, side, file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve) => child.once('message', ({ port }) => resolve({ child, url: `http://127.0.0.1:${port}` })));
}

/** 50 connections for `SECONDS`; answers the number of 2xx responses. */
function load(url, stream) {
  let ok = 0;
  const request = {
    method: 'POST',
    path: '/tracks',
    headers: { 'content-type': 'application/json' },
    setupRequest(req) {
      const v = stream.next();
      stream.confirm(v);
      return { ...req, body: JSON.stringify({ user_id: v.input.userId, promocode: v.input.promocode, scene: Number(v.input.scene) }) };
    },
    onResponse: (status) => void (status < 300 && ok++),
  };
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: 50, duration: SECONDS, requests: [request] }, (error) => (error ? reject(error) : resolve(ok)));
  });
}

const templates = await loadTemplates();
const dir = scratchDir();
for (const framework of process.argv.slice(2)) {
  const files = copies(templates, dir, `cpu ${framework}`);
  const sides = {
    lib: { server: await startServer(framework, 'lib', files.libFile), stream: createStream(templates.codes, 45), cpu: 0, requests: 0 },
    twin: { server: await startServer(framework, 'twin', files.twinFile), stream: createStream(templates.codes, 45), cpu: 0, requests: 0 },
  };
  // Interleaved; round 0 warms both up and is not counted.
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 ? ['twin', 'lib'] : ['lib', 'twin']) {
      const side = sides[name];
      const before = cpuMicros(side.server.child.pid);
      const requests = await load(side.server.url, side.stream);
      if (round === 0) continue;
      side.cpu += cpuMicros(side.server.child.pid) - before;
      side.requests += requests;
    }
  }
  const perRequest = (side) => Math.round(side.cpu / side.requests);
  console.log(
    `http ${framework} POST /tracks: server CPU per request ${perRequest(sides.lib)} µs promo-track, ${perRequest(sides.twin)} µs twin ` +
      `(${sides.lib.requests} and ${sides.twin.requests} requests)`,
  );
  for (const side of Object.values(sides)) side.server.child.kill();
}
process.exit(0);
