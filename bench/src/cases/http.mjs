import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { copies } from '../seed.mjs';
import { now } from '../util.mjs';
import { checkWire, createStream } from '../workload.mjs';

const SERVER = fileURLToPath(new URL('../http-server.mjs', import.meta.url));
const CONNECTIONS = 50;

function startServer(framework, side, file) {
  const child = fork(SERVER, [framework, side, file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', ({ port }) => resolve({ child, url: `http://127.0.0.1:${port}` }));
    child.once('exit', (code) => reject(new Error(`${framework} ${side} server exited with ${code}`)));
  });
}

/**
 * Drives POST /tracks with autocannon (50 connections) from this process against a server in
 * another, checking every response body against the expected track.
 */
function load(url, stream, seconds, where) {
  const lat = [];
  const failures = [];
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
              const v = stream.next();
              context.v = v;
              context.t = now();
              return {
                ...req,
                body: JSON.stringify({ user_id: v.input.userId, promocode: v.input.promocode, scene: Number(v.input.scene) }),
              };
            },
            onResponse(status, body, context) {
              lat.push(now() - context.t);
              try {
                if (status !== 201) throw new Error(`${where}: status ${status}: ${body}`);
                checkWire(JSON.parse(body), context.v, where);
                stream.confirm(context.v);
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
        if (result.non2xx || result.errors) return reject(new Error(`${where}: ${result.non2xx} non-2xx, ${result.errors} errors`));
        resolve({ ops: lat.length, secs: result.duration, lat });
      },
    );
  });
}

function httpCase(framework) {
  const name = `http ${framework} POST /tracks`;
  let lib, twin, libStream, twinStream;
  return {
    name,
    unit: 'requests',
    async setup(env) {
      const files = copies(env.templates, env.dir, name);
      [lib, twin] = await Promise.all([startServer(framework, 'lib', files.libFile), startServer(framework, 'twin', files.twinFile)]);
      libStream = createStream(env.templates.codes, 45);
      twinStream = createStream(env.templates.codes, 45);
      await load(lib.url, libStream, Math.max(1, env.warmup), `${name} library`);
      await load(twin.url, twinStream, Math.max(1, env.warmup), `${name} twin`);
    },
    async round(i, env) {
      const runLib = () => load(lib.url, libStream, env.seconds, `${name} library`);
      const runTwin = () => load(twin.url, twinStream, env.seconds, `${name} twin`);
      if (i % 2 === 0) {
        const l = await runLib();
        return { lib: l, twin: await runTwin() };
      }
      const t = await runTwin();
      return { lib: await runLib(), twin: t };
    },
    async teardown() {
      for (const s of [lib, twin]) {
        if (s && s.child.exitCode === null) {
          s.child.removeAllListeners('exit');
          s.child.kill();
        }
      }
    },
  };
}

export const httpExpress = httpCase('express');
export const httpKoa = httpCase('koa');
export const httpFastify = httpCase('fastify');
export const httpHono = httpCase('hono');
