/**
 * The dashboard through every adapter, mounted below `/api`: the `plugins` option, access by the
 * `admin` and `identify` options, assets relative to the mount, and the committed bundle matching
 * its sources.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { createTracker, type Plugin, type Tracker } from '@promo-track/core';
import { dashboard } from '@promo-track/dashboard';
import { createExpressRouter } from '@promo-track/express';
import { promoTrackPlugin } from '@promo-track/fastify';
import { createFetchHandler } from '@promo-track/fetch';
import { createKoaMiddleware } from '@promo-track/koa';
import Database from 'better-sqlite3';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fetchBridge, headersOf } from '../http/support/fetch-bridge.js';

type Options = { plugins?: Plugin[]; admin?: (raw: any) => boolean; identify?: (raw: any) => number | undefined };

const hosts = {
  express(tracker: Tracker, options: Options) {
    const app = express();
    app.use('/api', createExpressRouter(tracker, options));
    app.use((_req, res) => res.status(404).send('host 404'));
    return createServer(app);
  },
  koa(tracker: Tracker, options: Options) {
    const app = new Koa();
    app.use(createKoaMiddleware(tracker, { prefix: '/api', ...options }));
    app.use((ctx) => {
      ctx.status = 404;
      ctx.body = 'host 404';
    });
    return createServer(app.callback());
  },
  async fastify(tracker: Tracker, options: Options) {
    const app = Fastify();
    await app.register(promoTrackPlugin, { tracker, prefix: '/api', ...options });
    app.setNotFoundHandler((_req, reply) => void reply.code(404).send('host 404'));
    await app.ready();
    return app.server;
  },
  fetch(tracker: Tracker, { admin, identify, ...options }: Options) {
    // The options read Node-style `raw.headers`; the fetch handler hands them a Request.
    const handle = createFetchHandler(tracker, {
      prefix: '/api',
      ...options,
      admin: admin && ((req) => admin({ headers: headersOf(req.headers) })),
      identify: identify && ((req) => identify({ headers: headersOf(req.headers) })),
    });
    return createServer(fetchBridge(async (req) => (await handle(req)) ?? new Response('host 404', { status: 404 })));
  },
};

describe.each(Object.keys(hosts) as (keyof typeof hosts)[])('the dashboard through %s at /api', (name) => {
  let db: Kysely<any>;
  let tracker: Tracker;
  let server: Server | undefined;

  beforeEach(async () => {
    db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    tracker = createTracker({ db, salt: 'dashboard-mounting-salt' });
    await tracker.migrate();
  });
  afterEach(async () => {
    if (server) await new Promise((done) => server!.close(done));
    server = undefined;
    await db.destroy();
  });

  async function serve(options: Options): Promise<string> {
    server = await hosts[name](tracker, options);
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('is not there unless asked for', async () => {
    const origin = await serve({});
    const res = await fetch(`${origin}/api/dashboard`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('host 404');
  });

  it('serves the page and its bundled assets relative to the mount', async () => {
    const origin = await serve({ plugins: [dashboard()] });
    const page = await fetch(`${origin}/api/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const html = await page.text();
    const js = /<script defer src="(dashboard\/app\.[0-9a-f]{12}\.js)">/.exec(html)![1];
    const css = /<link rel="stylesheet" href="(dashboard\/app\.[0-9a-f]{12}\.css)">/.exec(html)![1];
    // No reference to anything but this page's own folder.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);

    // Relative to `/api/dashboard`, `dashboard/app.….js` is `/api/dashboard/app.….js`.
    const script = await fetch(new URL(js, `${origin}/api/dashboard`));
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toContain('immutable');
    const code = await script.text();
    expect(code.length).toBeGreaterThan(100_000); // Chart.js is inside
    expect(code).toContain('Chart.js');
    expect(code).not.toMatch(/https?:\/\/(?!www\.chartjs\.org|github\.com|www\.w3\.org)[a-z]/i);
    const style = await fetch(new URL(css, `${origin}/api/dashboard`));
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');

    // Any other file below `/dashboard` is not the plugin's: the host answers it.
    const other = await fetch(`${origin}/api/dashboard/app.000000000000.js`);
    expect([other.status, await other.text()]).toEqual([404, 'host 404']);
  });

  it('sends `/dashboard/` to `/dashboard`, where the relative links work', async () => {
    const origin = await serve({ plugins: [dashboard()] });
    const res = await fetch(`${origin}/api/dashboard/`, { redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(new URL(res.headers.get('location')!, `${origin}/api/dashboard/`).href).toBe(`${origin}/api/dashboard`);
  });

  it('answers a caller `identify` does not know with the same page, as 401', async () => {
    const origin = await serve({ plugins: [dashboard()], identify: (raw) => (raw.headers['x-user'] ? 1 : undefined), admin: () => false });
    const unknown = await fetch(`${origin}/api/dashboard`);
    expect([unknown.status, unknown.headers.get('content-type')]).toEqual([401, 'text/html; charset=utf-8']);
    expect(await unknown.text()).toContain('Operators only');
    const user = await fetch(`${origin}/api/dashboard`, { headers: { 'x-user': 'yes' } });
    expect(user.status).toBe(403);
    expect((await fetch(`${origin}/api/leaderboard`, { headers: { 'x-user': 'yes' } })).status).toBe(403);
  });

  it('follows the admin option', async () => {
    const origin = await serve({ plugins: [dashboard()], admin: (raw) => raw.headers['x-operator'] === 'yes' });
    const refused = await fetch(`${origin}/api/dashboard`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Operators only');
    expect((await fetch(`${origin}/api/stats`)).status).toBe(403);
    expect((await fetch(`${origin}/api/leaderboard`)).status).toBe(403);

    const operator = { headers: { 'x-operator': 'yes' } };
    expect((await fetch(`${origin}/api/dashboard`, operator)).status).toBe(200);
    expect((await fetch(`${origin}/api/stats`, operator)).status).toBe(200);
    expect((await fetch(`${origin}/api/leaderboard`, operator)).status).toBe(200);
  });

  it("answers the host's names for user ids, to operators only, in at most one call per request", async () => {
    const asked: number[][] = [];
    const displayName = async (ids: number[]) => {
      asked.push(ids);
      return new Map<number, string>([
        [1001, '  王芳 '],
        [1002, ''],
        [1003, 'x'.repeat(150)],
        [42, 'not asked'],
      ]);
    };
    const origin = await serve({ plugins: [dashboard({ displayName })], admin: (raw) => raw.headers['x-operator'] === 'yes' });
    const operator = { headers: { 'x-operator': 'yes' } };
    expect((await fetch(`${origin}/api/dashboard/names?ids=1001`)).status).toBe(403);
    expect(asked).toEqual([]);

    const res = await fetch(`${origin}/api/dashboard/names?ids=1001,1002,1003,1004,1001`, operator);
    expect([res.status, res.headers.get('cache-control')]).toEqual([200, 'no-store']);
    // Trimmed, cut to 100 characters; empty names, ids not asked and ids without a name are left out.
    expect(await res.json()).toEqual({ names: { 1001: '王芳', 1003: 'x'.repeat(100) } });
    expect(asked).toEqual([[1001, 1002, 1003, 1004]]);

    for (const ids of ['', '0', '-1', '1.5', 'abc', '2147483648', '1,,2', Array.from({ length: 201 }, (_, i) => i + 1).join(',')]) {
      const bad = await fetch(`${origin}/api/dashboard/names?ids=${ids}`, operator);
      expect(bad.status, ids).toBe(400);
      expect((await bad.json()).error).toMatchObject({ code: 'validation_failed', issues: [{ path: 'ids' }] });
    }
    expect(asked).toHaveLength(1);
  });

  it('answers no names without displayName, and a failing displayName as the contract’s 500', async () => {
    let origin = await serve({ plugins: [dashboard()] });
    expect(await (await fetch(`${origin}/api/dashboard/names?ids=1,2`)).json()).toEqual({ names: {} });
    await new Promise((done) => server!.close(done));
    origin = await serve({ plugins: [dashboard({ displayName: async () => Promise.reject(new Error('directory down')) })] });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const res = await fetch(`${origin}/api/dashboard/names?ids=1`);
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(JSON.parse(body)).toEqual({ error: { code: 'internal', message: expect.any(String) } });
      expect(body).not.toContain('directory down');
    } finally {
      logged.mockRestore();
    }
  });

  it("tells the page the tracker's time zone, to operators only", async () => {
    let origin = await serve({ plugins: [dashboard()] });
    expect(await (await fetch(`${origin}/api/dashboard/settings`)).json()).toEqual({ time_zone: 'UTC', reward_rules: [] });
    await new Promise((done) => server!.close(done));
    tracker = createTracker({ db, salt: 'dashboard-mounting-salt', timeZone: 'Asia/Shanghai' });
    origin = await serve({ plugins: [dashboard()], admin: (raw) => raw.headers['x-operator'] === 'yes' });
    expect((await fetch(`${origin}/api/dashboard/settings`)).status).toBe(403);
    const res = await fetch(`${origin}/api/dashboard/settings`, { headers: { 'x-operator': 'yes' } });
    expect([res.status, res.headers.get('cache-control')]).toEqual([200, 'no-store']);
    expect(await res.json()).toEqual({ time_zone: 'Asia/Shanghai', reward_rules: [] });
  });
});

it('the committed bundle (packages/dashboard/src/assets.generated.ts) matches the client sources', async () => {
  const script = resolve(__dirname, '../../packages/dashboard/scripts/build-assets.mjs');
  await expect(promisify(execFile)(process.execPath, [script, '--check'])).resolves.toBeDefined();
});
