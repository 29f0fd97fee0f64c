import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type FakeWechat, startFakeWechat } from '../../test/support/fake-wechat.js';
import { createService, type Service } from '../src/app.js';

let wechat: FakeWechat;
let dir: string;
let server: Server;
let origin: string;
let service: Service | undefined;

beforeEach(async () => {
  wechat = await startFakeWechat();
  dir = mkdtempSync(join(tmpdir(), 'service-wxacode-'));
  // Listen first: WXACODE_BASE_URL needs the port.
  let listener: RequestListener = (_req, res) => res.writeHead(503).end();
  server = createServer((req, res) => listener(req, res));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service = createService({
    DATABASE_URL: 'sqlite::memory:',
    PROMO_SALT: 'service-wxacode-test-salt',
    WX_APPID: wechat.appid,
    WX_SECRET: wechat.secret,
    WXACODE_DIR: dir,
    WXACODE_BASE_URL: `${origin}/wxacode/`,
    WX_API_BASE: wechat.apiBase,
  });
  await service.tracker.migrate();
  listener = service.app;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  await service?.close();
  await wechat.close();
  rmSync(dir, { recursive: true, force: true });
});

it("through the service, a created promo's wxbcode URL serves the image WeChat sent", async () => {
  const created = await fetch(`${origin}/tracks/42/1?page=${encodeURIComponent('/pages/invite/index')}`);
  expect(created.status).toBe(200);
  const promo = (await created.json()) as { promocode: string; wxbcode: string | null };
  expect(promo.wxbcode).toMatch(new RegExp(`^${origin}/wxacode/${promo.promocode}-[0-9a-f]{12}\\.png$`));
  expect(wechat.tokenRequests).toHaveLength(1);
  expect(wechat.codeRequests[0].body).toMatchObject({ scene: promo.promocode, page: 'pages/invite/index' });
  expect(readdirSync(dir)).toHaveLength(1);

  const image = await fetch(promo.wxbcode!);
  expect(image.status).toBe(200);
  expect(image.headers.get('content-type')).toBe('image/png');
  expect(image.headers.get('cache-control')).toMatch(/max-age=\d{6,}/);
  expect(Buffer.from(await image.arrayBuffer()).equals(wechat.images.get(promo.promocode)!)).toBe(true);

  // The same promo again: no new WeChat call, the same URL.
  const again = (await (await fetch(`${origin}/tracks/42/1`)).json()) as { wxbcode: string };
  expect(again.wxbcode).toBe(promo.wxbcode);
  expect(wechat.codeRequests).toHaveLength(1);
});

it('a WeChat failure still answers the promo, with wxbcode null, and queues its code for the worker', async () => {
  wechat.failCodes(45009);
  const first = (await (await fetch(`${origin}/tracks/43/1`)).json()) as { wxbcode: string | null };
  expect(first.wxbcode).toBeNull();
  const jobs = await fetch(`${origin}/codes/jobs`);
  expect(jobs.status).toBe(200);
  expect(await jobs.json()).toEqual({ pending: 1, done: 0, failed: 0, failures: [] });
});

it('an image path outside the folder is a 404', async () => {
  for (const path of ['/wxacode/..%2Fpackage.json', '/wxacode/../package.json', '/wxacode/nope.png']) {
    expect((await fetch(`${origin}${path}`)).status).toBe(404);
  }
});

it('WXACODE_PER_MINUTE=60: 200 GETs of new promos make 60 codes in the call; the other 140 are queued, and the worker waits for the window', async () => {
  await service?.close();
  service = createService({
    DATABASE_URL: 'sqlite::memory:',
    PROMO_SALT: 'service-wxacode-test-salt',
    WX_APPID: wechat.appid,
    WX_SECRET: wechat.secret,
    WXACODE_DIR: dir,
    WXACODE_BASE_URL: `${origin}/wxacode/`,
    WX_API_BASE: wechat.apiBase,
    WXACODE_PER_MINUTE: '60',
  });
  await service.tracker.migrate();
  service.startWorker();
  const app = service.app;
  server.removeAllListeners('request');
  server.on('request', app);
  const answers = await Promise.all(
    Array.from(
      { length: 200 },
      async (_, i) => (await (await fetch(`${origin}/tracks/${1000 + i}/1`)).json()) as { wxbcode: string | null },
    ),
  );
  expect(answers.filter((a) => a.wxbcode !== null)).toHaveLength(60);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(wechat.codeRequests).toHaveLength(60);
  expect(await (await fetch(`${origin}/codes/jobs`)).json()).toEqual({ pending: 140, done: 60, failed: 0, failures: [] });
});
