/**
 * The code images' queue in several processes on every database, against the WeChat stand-in:
 * - three processes with `maxPerMinute: 60` over a 1 s window (`budgetWindowMs`) all ask for the
 *   same 300 promos at once and run the worker: the stand-in sees at most 60 code calls in any 1 s,
 *   every promo ends with its image, and no scene is asked twice;
 * - a worker SIGKILLed mid-queue (its in-flight calls held unanswered by the stand-in): after a new
 *   worker starts, every job is done and no code was generated twice.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFileStore, createTracker, createWxacodeGenerator, type Tracker } from '@promo-track/core';
import { type FakeWechat, startFakeWechat } from '../../../test/support/fake-wechat.js';
import { dropTables, MYSQL_URL, mysqlDb, PG_URL, pgDb, uniquePrefix } from '../../../test/support/databases.js';
import { useBuiltCore } from './built-core.js';
import { BASE_URL, until } from './codes-support.js';
import { SALT } from './support.js';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

const WORKER = fileURLToPath(new URL('./workers/code-worker.mjs', import.meta.url));
const core = useBuiltCore();

interface Server {
  name: 'sqlite' | 'postgres' | 'mysql';
  enabled: boolean;
  /** A database for the test and the URL the workers open it by. */
  open(dir: string): { db: Kysely<any>; url: string; prefix: string };
}

const servers: Server[] = [
  {
    name: 'sqlite',
    enabled: true,
    open(dir) {
      const url = join(dir, 'codes.db');
      const database = new Database(url, { timeout: 20_000 });
      database.pragma('journal_mode = WAL');
      return { db: new Kysely<any>({ dialect: new SqliteDialect({ database }) }), url, prefix: '' };
    },
  },
  // Through pg only: the budget and the SIGKILLed worker are about the database's locks and leases,
  // not the driver, and each run costs processes and seconds of waiting.
  { name: 'postgres', enabled: !!PG_URL, open: () => ({ db: pgDb(), url: PG_URL!, prefix: uniquePrefix() }) },
  { name: 'mysql', enabled: !!MYSQL_URL, open: () => ({ db: mysqlDb(), url: MYSQL_URL!, prefix: uniquePrefix() }) },
];

/** The most requests at any `windowMs` (a window starting at each request). */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! < sorted[i]! - windowMs + 1) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe.each(servers)('code images in several processes on $name', (server) => {
  let wechat: FakeWechat;
  let dir: string;
  let db: Kysely<any>;
  let url: string;
  let prefix: string;
  let tracker: Tracker;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'codes-processes-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    if (!server.enabled) return;
    wechat = await startFakeWechat();
    ({ db, url, prefix } = server.open(dir));
    // The test's own tracker only queues (pregenerateCodes) and reads: its generator is never asked.
    const wxacode = createWxacodeGenerator({
      appid: wechat.appid,
      secret: wechat.secret,
      apiBase: wechat.apiBase,
      store: createFileStore({ dir: join(dir, 'images'), baseUrl: BASE_URL }),
    });
    tracker = createTracker({ db, salt: SALT, tablePrefix: prefix, wxacode });
    await tracker.migrate();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    if (!server.enabled) return;
    await wechat.close();
    if (server.name === 'sqlite') {
      await db.destroy();
      rmSync(url, { force: true });
      rmSync(`${url}-wal`, { force: true });
      rmSync(`${url}-shm`, { force: true });
    } else {
      await dropTables(db, prefix).catch(() => undefined);
      await db.destroy();
    }
  });

  /** Starts a worker process; resolves once it says ready. */
  async function spawnWorker(options: Record<string, unknown>): Promise<ChildProcess & { lines: string[] }> {
    const job = {
      core: core.url(),
      dialect: server.name,
      url,
      salt: SALT,
      prefix,
      dir: join(dir, 'images'),
      wechat: { apiBase: wechat.apiBase, appid: wechat.appid, secret: wechat.secret },
      ...options,
    };
    const child = Object.assign(spawn(process.execPath, [WORKER, JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'inherit'] }), {
      lines: [] as string[],
    });
    children.push(child);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => child.lines.push(...chunk.split('\n').filter(Boolean)));
    await until(() => child.lines.includes('ready'), 30_000);
    return child;
  }
  const exited = (child: ChildProcess) =>
    new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));

  /** Every promo of `userIds` has its image: the stored bytes are the last image the stand-in answered for it. */
  async function expectImages(userIds: number[]) {
    for (const userId of userIds) {
      const promo = await tracker.getOrCreatePromo({ userId });
      expect(promo.wxbcode, `user ${userId}`).not.toBeNull();
      const file = join(dir, 'images', decodeURIComponent(promo.wxbcode!.slice(BASE_URL.length)));
      expect(readFileSync(file).equals(wechat.images.get(promo.promocode)!)).toBe(true);
    }
  }

  it.skipIf(!server.enabled)(
    'three processes, maxPerMinute 60 per 1 s, 300 promos asked at once: ≤ 60 calls in any 1 s, every image made once',
    async () => {
      const WINDOW = 1_000;
      const userIds = Array.from({ length: 300 }, (_, i) => 1_000 + i);
      const workers = await Promise.all(
        [0, 1, 2].map(() => spawnWorker({ maxPerMinute: 60, windowMs: WINDOW, ask: userIds, concurrency: 8 })),
      );
      for (const w of workers) w.stdin!.write('go\n');
      await until(async () => (await tracker.codeJobs()).done === 300, 90_000, 200);
      for (const w of workers) w.stdin!.end('stop\n');
      await Promise.all(workers.map(exited));

      expect(await tracker.codeJobs()).toEqual({ pending: 0, done: 300, failed: 0, failures: [] });
      const times = wechat.codeRequests.map((r) => r.at);
      expect(times).toHaveLength(300);
      console.log(
        `busiest ${WINDOW} ms on ${server.name}: ${busiestWindow(times, WINDOW)} calls; over ${Math.max(...times) - Math.min(...times)} ms`,
      );
      expect(busiestWindow(times, WINDOW)).toBeLessThanOrEqual(60);
      expect(wechat.answered.size).toBe(300);
      expect([...wechat.answered.values()].every((n) => n === 1)).toBe(true);
      // The budget was used, not left idle: 300 calls at 60 a window take at least 4 windows.
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(4 * WINDOW);
      await expectImages(userIds);
    },
    120_000,
  );

  it.skipIf(!server.enabled)(
    'a worker SIGKILLed mid-queue: after a restart every job is done, none generated twice',
    async () => {
      const userIds = Array.from({ length: 120 }, (_, i) => 5_000 + i);
      expect(await tracker.pregenerateCodes({ userIds })).toEqual({ queued: 120 });
      const first = await spawnWorker({ maxPerMinute: Infinity, timeoutMs: 500, concurrency: 6 });
      first.stdin!.write('go\n');
      // Mid-queue: once 40 are made, the stand-in holds every further answer; those jobs are in flight when the kill comes.
      await until(() => wechat.answered.size >= 40, 30_000, 2);
      wechat.pause();
      await until(async () => wechat.held() > 0 && (await tracker.codeJobs()).done === wechat.answered.size, 30_000);
      const before = await tracker.codeJobs();
      expect(before.done).toBeGreaterThanOrEqual(40);
      expect(before.done).toBeLessThan(120);
      first.kill('SIGKILL');
      await exited(first);
      // The held requests' client is gone: once the stand-in has seen their connections close, they are never answered.
      await until(() => wechat.held() === 0, 10_000);
      wechat.resume();

      const second = await spawnWorker({ maxPerMinute: Infinity, timeoutMs: 500, concurrency: 6 });
      second.stdin!.write('go\n');
      await until(async () => (await tracker.codeJobs()).done === 120, 60_000, 100);
      second.stdin!.end('stop\n');
      await exited(second);

      expect(await tracker.codeJobs()).toEqual({ pending: 0, done: 120, failed: 0, failures: [] });
      expect(wechat.answered.size).toBe(120);
      expect([...wechat.answered.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      await expectImages(userIds);
    },
    120_000,
  );
});
