/**
 * `npm start` from a clean copy of the repository (see support/clean-copy.ts): it builds, migrates,
 * answers /healthz, drains in-flight requests on SIGTERM, refuses production without a salt, and
 * loses nothing it acknowledged when killed mid-load.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashDatabases, type OpenCrashDatabase } from './support/crash-databases.js';
import { makeCleanCopy, runToEnd, serviceEnv, startService, type Started } from './support/clean-copy.js';

const SALT = 'npm-start-test-salt';
let copy: string;
const running: Started[] = [];

beforeAll(async () => {
  copy = makeCleanCopy();
  expect(existsSync(join(copy, 'service/dist'))).toBe(false);
  expect(existsSync(join(copy, 'packages/core/dist'))).toBe(false);
}, 60_000);

afterAll(() => {
  for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  for (const s of running) {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (copy) rmSync(copy, { recursive: true, force: true });
});

async function npmStart(env: Record<string, string | undefined>): Promise<Started> {
  const started = await startService(copy, ['npm', 'start'], { PORT: '0', ...env }, 240_000);
  running.push(started);
  return started;
}

/** A POST /tracks whose body arrives in two halves: in flight from its headers until `finish()`. */
function slowTrack(url: string, body: object) {
  const json = JSON.stringify(body);
  const half = Math.floor(json.length / 2);
  let settle!: (value: { status: number; body: any; connection: string | undefined }) => void;
  let fail!: (error: Error) => void;
  const answered = new Promise<{ status: number; body: any; connection: string | undefined }>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const req = request(`${url}/tracks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) },
  });
  req.on('response', (res) => {
    let text = '';
    res.on('data', (c: Buffer) => (text += c.toString()));
    res.on('end', () => settle({ status: res.statusCode!, body: JSON.parse(text), connection: res.headers.connection }));
  });
  req.on('error', fail);
  req.flushHeaders();
  req.write(json.slice(0, half));
  return { answered, finish: () => req.end(json.slice(half)) };
}

const canConnect = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm start from a clean copy', () => {
  it('builds, migrates the default SQLite file ./data/promo-track.db, logs one line with the URL, answers /healthz', async () => {
    const started = await npmStart({});
    const res = await fetch(`${started.url}/healthz`);
    expect([res.status, await res.json()]).toEqual([200, { status: 'ok' }]);
    expect(existsSync(join(copy, 'data/promo-track.db'))).toBe(true);
    // One line with the URL (npm's own banner lines start with '>'); the salt warning on stderr.
    expect(started.output().match(/listening on/g)).toHaveLength(1);
    expect(started.output()).toMatch(/warning: PROMO_SALT is not set/);
    // One Node process serving, exactly the built file: no watcher or wrapper in between.
    expect(readFileSync(`/proc/${started.pid}/cmdline`, 'utf8').split('\0').filter(Boolean)).toEqual(['node', 'service/dist/main.js']);
    const parent = Number(readFileSync(`/proc/${started.pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    expect(parent).toBe(started.child.pid); // npm's own child: no shell left between them

    process.kill(started.pid, 'SIGINT');
    expect(await started.exited).toEqual({ code: 0, signal: null });
  }, 300_000);

  it('SIGTERM with 20 slow requests in flight: no new connections, all 20 answered, database closed, exit 0', async () => {
    const file = join(copy, 'data/drain.db');
    const started = await npmStart({ PROMO_SALT: SALT, DATABASE_URL: `sqlite:${file}` });
    const { promocode } = await (await fetch(`${started.url}/tracks/1/1`)).json();

    const requests = Array.from({ length: 20 }, (_, i) =>
      slowTrack(started.url, { user_id: 100 + i, promocode, scene: 1047, event_id: `drain-${i}` }),
    );
    // The server accepts connections in order: once a later request is answered, the 20 are in.
    expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
    await sleep(200);

    // To npm, as `docker stop` does when `npm start` is the command: npm passes it to its child.
    started.child.kill('SIGTERM');
    await sleep(500);
    expect(await canConnect(started.url)).toBe(false); // stopped accepting
    expect(started.child.exitCode).toBeNull(); // still draining

    requests.forEach((r) => r.finish());
    const answers = await Promise.all(requests.map((r) => r.answered));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(await started.exited).toEqual({ code: 0, signal: null });
    expect(() => process.kill(started.pid, 0)).toThrow(); // the server is gone too, not orphaned

    // Closed cleanly: SQLite checkpointed and removed its write-ahead log; all 20 are stored.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const db = new Database(file, { readonly: true });
    expect(db.prepare("select count(*) as n from track where event_id like 'drain-%'").get()).toEqual({ n: 20 });
    db.close();
  }, 300_000);

  it('SIGTERM under keep-alive load: in flight answered with Connection: close, nothing new served on open connections, exit 0', async () => {
    const started = await npmStart({ PROMO_SALT: SALT, DATABASE_URL: `sqlite:${join(copy, 'data/keep-alive.db')}` });
    const { promocode } = await (await fetch(`${started.url}/tracks/1/1`)).json();
    const inFlight = slowTrack(started.url, { user_id: 2, promocode, scene: 1047, event_id: 'keep-alive-in-flight' });

    // Four keep-alive connections, each sending its next request as soon as the last is answered.
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    let signalledAt = Infinity;
    let loading = true;
    const late: number[] = []; // statuses of requests sent well after the signal (0: no answer)
    const get = () =>
      new Promise<number>((resolve) => {
        request(`${started.url}/tracks/1/1`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        })
          .on('error', () => resolve(0))
          .end();
      });
    const loops = Array.from({ length: 4 }, async () => {
      while (loading) {
        const sentAt = Date.now();
        const status = await get();
        if (sentAt > signalledAt + 300) late.push(status);
        if (status === 0) await sleep(20);
      }
    });
    await sleep(500);

    signalledAt = Date.now();
    started.child.kill('SIGTERM');
    await sleep(1500);
    expect(started.child.exitCode).toBeNull(); // still waiting for the request in flight
    inFlight.finish();
    expect(await inFlight.answered).toMatchObject({ status: 201, connection: 'close' });
    expect(await started.exited).toEqual({ code: 0, signal: null });
    loading = false;
    await Promise.all(loops);
    agent.destroy();
    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((status) => status === 200)).toEqual([]);
  }, 300_000);

  it('HOST=0.0.0.0 without ADMIN_TOKEN: a warning naming ADMIN_TOKEN; in production, a refusal to start', async () => {
    const started = await npmStart({ PROMO_SALT: SALT, HOST: '0.0.0.0', DATABASE_URL: `sqlite:${join(copy, 'data/open.db')}` });
    expect(started.output()).toMatch(/WARNING: .*ADMIN_TOKEN/);
    process.kill(started.pid, 'SIGINT');
    expect(await started.exited).toEqual({ code: 0, signal: null });

    const env = {
      NODE_ENV: 'production',
      PROMO_SALT: SALT,
      HOST: '0.0.0.0',
      PORT: '0',
      DATABASE_URL: `sqlite:${join(copy, 'data/open.db')}`,
    };
    const refused = await runToEnd(copy, ['npm', 'start'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/ADMIN_TOKEN/);
    expect(refused.output).not.toMatch(/listening on/);
  }, 240_000);

  it.each([
    ['missing', undefined],
    ['empty', ''],
  ])(
    'NODE_ENV=production with PROMO_SALT %s: refuses to start, naming PROMO_SALT, exit non-zero',
    async (_, salt) => {
      const { code, output } = await runToEnd(copy, ['npm', 'start'], { NODE_ENV: 'production', PROMO_SALT: salt, PORT: '0' });
      expect(code).not.toBe(0);
      expect(output).toMatch(/PROMO_SALT is not set/);
      expect(output).not.toMatch(/listening on/);
    },
    240_000,
  );
});

describe.each(crashDatabases)('crash on $name: SIGKILL mid-load, then restart', (database) => {
  const EVENTS = 1200;
  const KILL_AFTER = 300;

  it.skipIf(!database.enabled)(
    'every event answered 200/201 is stored, none twice, no batch half-written; a retry completes the rest',
    async () => {
      const store = await database.open(join(copy, 'data'));
      try {
        await crashAndCheck(store);
      } finally {
        await store.drop();
      }
    },
    300_000,
  );

  async function crashAndCheck(store: OpenCrashDatabase) {
    const env = { PROMO_SALT: SALT, DATABASE_URL: store.url };
    let started = await npmStart(env);
    const { promocode } = await (await fetch(`${started.url}/tracks/1/1`)).json();

    // The load comes from a second process; SIGKILL the server once KILL_AFTER events are acknowledged.
    const acked = new Map<string, number>(); // event id → track id
    const failed = new Set<string>();
    let killed = false;
    await drive(started.url, promocode, EVENTS, (kind, eventId, trackId) => {
      if (kind === 'ack') acked.set(eventId, trackId);
      else failed.add(eventId);
      if (!killed && acked.size >= KILL_AFTER) {
        killed = true;
        process.kill(started.pid, 'SIGKILL');
      }
    });
    expect(killed).toBe(true);
    expect(await started.exited).not.toEqual({ code: 0, signal: null }); // npm passes its child's death on
    expect(failed.size).toBeGreaterThan(0); // the kill happened mid-load
    expect(acked.size + failed.size).toBe(EVENTS);

    // Restart on the same database.
    started = await npmStart(env);
    expect((await fetch(`${started.url}/healthz`)).status).toBe(200);

    const rows = (
      await store.query<{ id: number | string; user_id: number; event_id: string }>(
        "select id, user_id, event_id from track where event_id like 'ev-%'",
      )
    ).map((r) => ({ ...r, id: Number(r.id) }));
    const byEvent = new Map(rows.map((r) => [r.event_id, r]));
    // Every acknowledged event is there, as the very record that was answered.
    for (const [eventId, trackId] of acked) expect(byEvent.get(eventId)?.id, eventId).toBe(trackId);
    // None twice.
    expect(byEvent.size).toBe(rows.length);
    expect(new Set(rows.map((r) => r.user_id)).size).toBe(rows.length);
    // Nothing half-written: each stored visit has its visitor, its referral binding and its decision
    // (on the track row), and no binding lacks its visit.
    const [orphans] = await store.query<{ n: number | string }>(
      `select count(*) as n from track t
        where t.event_id like 'ev-%' and (
          not exists (select 1 from visitor v where v.user_id = t.user_id)
          or not exists (select 1 from referral r where r.user_id = t.user_id and r.track_id = t.id and r.referrer = 1)
          or t.outcome is null or t.outcome <> 'bound')`,
    );
    expect(Number(orphans.n)).toBe(0);
    const [strays] = await store.query<{ n: number | string }>(
      `select count(*) as n from referral r where not exists (select 1 from track t where t.id = r.track_id)`,
    );
    expect(Number(strays.n)).toBe(0);
    // Batches (every tenth unit of work, 5 events) are all there or not at all.
    const partial = batchesOf(EVENTS).filter((b) => {
      const present = b.filter((i) => byEvent.has(`ev-${i}`)).length;
      return present !== 0 && present !== b.length;
    });
    expect(partial).toEqual([]);
    expect(await store.integrity()).toBe('ok');
    const stored = rows.length;

    // Sending every event again completes the set: nothing doubles, and an acknowledged event
    // answers the very record it was first answered with.
    const again = new Map<string, number>();
    const retryFailed: string[] = [];
    await drive(started.url, promocode, EVENTS, (kind, eventId, trackId) => {
      if (kind === 'ack') again.set(eventId, trackId);
      else retryFailed.push(eventId);
    });
    expect(retryFailed).toEqual([]);
    for (const [eventId, trackId] of acked) expect(again.get(eventId), eventId).toBe(trackId);
    const [after] = await store.query<{ n: number | string; d: number | string }>(
      "select count(*) as n, count(distinct event_id) as d from track where event_id like 'ev-%'",
    );
    expect([Number(after.n), Number(after.d)]).toEqual([EVENTS, EVENTS]);

    console.log(
      `crash test (${database.name}): ${EVENTS} events sent, ${acked.size} acknowledged before SIGKILL, ${failed.size} unanswered; ` +
        `${stored} found after restart (${stored - acked.size} committed but unanswered), 0 duplicates, 0 half-written batches; ` +
        `after sending all ${EVENTS} again: ${Number(after.n)} stored, once each`,
    );

    started.child.kill('SIGTERM');
    expect(await started.exited).toEqual({ code: 0, signal: null });
  }
});

/** Runs the load driver (a second process) to its end, reporting every answer. */
async function drive(
  url: string,
  promocode: string,
  events: number,
  report: (kind: 'ack' | 'fail', eventId: string, trackId: number) => void,
) {
  const driver = spawn(process.execPath, [join(import.meta.dirname, 'fixtures/crash-driver.mjs'), url, promocode, String(events), '16'], {
    env: serviceEnv({}),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffer = '';
  driver.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      const [kind, eventId, , trackId] = line.split(' ');
      if (kind === 'ack' || kind === 'fail') report(kind, eventId, Number(trackId));
    }
  });
  await new Promise((resolve) => driver.on('exit', resolve));
}

/** The batches the driver sends (see fixtures/crash-driver.mjs). */
function batchesOf(events: number): number[][] {
  const batches: number[][] = [];
  for (let i = 0, n = 0; i < events; n++) {
    const size = n % 10 === 9 ? Math.min(5, events - i) : 1;
    if (size > 1) batches.push(Array.from({ length: size }, (_, k) => i + k));
    i += size;
  }
  return batches;
}
