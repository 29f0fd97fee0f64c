/**
 * The browser test's host: an Express app with promo-track's routes and the dashboard at `/api`,
 * operators told apart by a cookie, code images from a WeChat stand-in served from `/wxacode/`,
 * and a SQLite database seeded with a month of visits plus the users whose decisions the user view
 * must explain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileStore, createTracker, createWxacodeGenerator, type Tracker } from '@promo-track/core';
import { dashboard } from '@promo-track/dashboard';
import { createExpressRouter } from '@promo-track/express';
import Database from 'better-sqlite3';
import express from 'express';
import { Kysely, SqliteDialect } from 'kysely';
import { type Receiver, startReceiver } from '../support/webhook-receiver.js';
import { type Seeded, seed, startWechatStandIn } from './support.js';

export const OPERATOR_COOKIE = { name: 'operator', value: 'yes' };

/** The host's names: some promoters and the special users have one, the rest are shown as ids. */
export const NAMES: ReadonlyMap<number, string> = new Map([
  [1001, '王芳'],
  [1002, 'Lucy Chen'],
  [1003, '李娜'],
  [1005, '张伟'],
  [900_001, '赵自荐'],
  [900_010, '陈静'],
  [900_011, 'Tom Li'],
]);

/** Users whose attribution the user view explains, each with the outcome it must show. */
export const SPECIAL = {
  /** New, first visit through 1002's code, later through 1003's: bound, then kept. */
  bound: 900_030,
  /** New, first visit through their own code. */
  self: 900_001,
  /** 900_011 came through 900_010's code; 900_010 then comes, new, through 900_011's: a cycle. */
  cycleTop: 900_010,
  cycleChild: 900_011,
  /** New, first visit from WeChat's crawler (scene 1129) through 1001's code. */
  crawler: 900_020,
  /** Known to the host before promo-track (first visit `trackType: 2`), then through another code. */
  returning: 900_040,
} as const;

export interface Host {
  origin: string;
  tracker: Tracker;
  seeded: Seeded;
  /** How many times the host's `displayName` was asked, and for how many ids at most. */
  nameCalls: { calls: number; largest: number };
  /** The webhook endpoint (`user.forgotten` only, so that the seeded visits write no message). */
  receiver: Receiver;
  close(): Promise<void>;
}

export async function startHost(options: { timeZone?: string } = {}): Promise<Host> {
  const wechat = await startWechatStandIn();
  const receiver = await startReceiver({ ignoreTime: true });
  const files = mkdtempSync(join(tmpdir(), 'dashboard-wxacode-'));
  const app = express();
  const server: Server = createServer(app);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  const tracker = createTracker({
    db,
    salt: 'dashboard-browser-test-salt',
    ...options,
    webhooks: [{ url: receiver.url, secret: receiver.secret, events: ['user.forgotten'] }],
    wxacode: createWxacodeGenerator({
      appid: 'wx-demo',
      secret: 'stand-in-secret',
      apiBase: wechat.apiBase,
      store: createFileStore({ dir: files, baseUrl: `${origin}/wxacode/` }),
    }),
  });
  await tracker.migrate();
  const seeded = await seed(tracker);
  await seedSpecialUsers(tracker, seeded);

  const nameCalls = { calls: 0, largest: 0 };
  const displayName = async (ids: number[]) => {
    nameCalls.calls++;
    nameCalls.largest = Math.max(nameCalls.largest, ids.length);
    return new Map(ids.filter((id) => NAMES.has(id)).map((id) => [id, NAMES.get(id)!]));
  };
  app.use('/wxacode', express.static(files, { fallthrough: false }));
  app.use(
    '/api',
    createExpressRouter(tracker, {
      plugins: [dashboard({ displayName })],
      admin: (req) => (req.headers.cookie ?? '').split(/;\s*/).includes(`${OPERATOR_COOKIE.name}=${OPERATOR_COOKIE.value}`),
    }),
  );
  return {
    origin,
    tracker,
    seeded,
    nameCalls,
    receiver,
    async close() {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await db.destroy();
      await wechat.close();
      await receiver.close();
      rmSync(files, { recursive: true, force: true });
    },
  };
}

async function seedSpecialUsers(tracker: Tracker, seeded: Seeded): Promise<void> {
  const code = (userId: number) => seeded.promos.find((p) => p.userId === userId)!.promocode;
  const own = async (userId: number) =>
    (await tracker.getOrCreatePromo({ userId, appid: 'wx-demo', page: 'pages/invite/index' })).promocode;

  await tracker.recordTrack({ userId: SPECIAL.bound, promocode: code(1002), scene: 1047 });
  await tracker.recordTrack({ userId: SPECIAL.bound, promocode: code(1003), scene: 1007 });

  await tracker.recordTrack({ userId: SPECIAL.self, promocode: await own(SPECIAL.self), scene: 1011 });

  const top = await own(SPECIAL.cycleTop);
  const child = await own(SPECIAL.cycleChild);
  await tracker.recordTrack({ userId: SPECIAL.cycleChild, promocode: top, scene: 1007 });
  await tracker.recordTrack({ userId: SPECIAL.cycleTop, promocode: child, scene: 1008 });

  await tracker.recordTrack({ userId: SPECIAL.crawler, promocode: code(1001), scene: 1129 });

  await tracker.recordTrack({ userId: SPECIAL.returning, promocode: code(1005), scene: 1007, trackType: 2 });
  await tracker.recordTrack({ userId: SPECIAL.returning, promocode: code(1003), scene: 1008 });
}
