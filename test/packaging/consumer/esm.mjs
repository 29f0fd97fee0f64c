// Imports the installed tarballs from ESM and runs them for real: a tracker over SQLite, the routes
// in Express, Koa and Fastify on real ports and through the fetch handler, with the dashboard. Prints one
// JSON line for the test to check.
import Database from 'better-sqlite3';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { Kysely, SqliteDialect } from 'kysely';
import { SCENES, TrackError, UnknownPromocodeError, createTracker, createHttpHandler, sceneLabel } from '@promo-track/core';
import { createExpressRouter } from '@promo-track/express';
import { createKoaMiddleware } from '@promo-track/koa';
import { dashboard } from '@promo-track/dashboard';
import { createPromoClient } from '@promo-track/miniprogram';
import { promoTrackPlugin } from '@promo-track/fastify';
import { createFetchHandler } from '@promo-track/fetch';

const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
const tracker = createTracker({ db, salt: 'consumer-salt-123' });
await tracker.migrate();
const promo = await tracker.getOrCreatePromo({ userId: 7 });

const listen = (app) =>
  new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
const expressServer = await listen(express().use('/api', createExpressRouter(tracker, { plugins: [dashboard()] })));
const koaServer = await listen(new Koa().use(createKoaMiddleware(tracker, { prefix: '/api', plugins: [dashboard()] })));
const fetchFrom = (server, path) => fetch(`http://127.0.0.1:${server.address().port}${path}`);
const get = async (server, path) => {
  const res = await fetchFrom(server, path);
  return { status: res.status, body: await res.json() };
};
const viaExpress = await get(expressServer, '/api/tracks/7/1');
const viaKoa = await get(koaServer, `/api/promos/${promo.promocode}`);
const page = await fetchFrom(expressServer, '/api/dashboard');
const script = /src="dashboard\/(app\.\w+\.js)"/.exec(await page.text())?.[1];
const dashboardStatus = {
  express: page.status,
  koa: (await fetchFrom(koaServer, '/api/dashboard')).status,
  script: (await fetchFrom(koaServer, `/api/dashboard/${script}`)).status,
};
const fastify = Fastify();
await fastify.register(promoTrackPlugin, { tracker, prefix: '/api' });
const viaFastify = await fastify.inject({ url: `/api/promos/${promo.promocode}` });
await fastify.close();
const handle = createFetchHandler(tracker, { prefix: '/api' });
const viaFetch = await handle(new Request(`http://localhost/api/promos/${promo.promocode}`));
const other = await handle(new Request('http://localhost/elsewhere'));
const unknown = await tracker.recordTrack({ userId: 8, promocode: 'NoSuchCode99', scene: 1047 }).catch((e) => e);
// The mini-program client in Node (request over fetch, storage in memory): user 8 scans user 7's code.
const stored = new Map();
const client = createPromoClient({
  baseUrl: `http://127.0.0.1:${expressServer.address().port}/api`,
  getUserId: () => 8,
  request: async ({ url, method, data, header }) => {
    const res = await fetch(url, { method, headers: header, body: data === undefined ? undefined : JSON.stringify(data) });
    return { statusCode: res.status, data: await res.json() };
  },
  storage: { get: (key) => stored.get(key), set: (key, value) => stored.set(key, value) },
});
client.onLaunch({ scene: 1047, query: { scene: promo.promocode } });
await client.flush();
const referral = await tracker.getReferrer(8);
expressServer.close();
koaServer.close();
await db.destroy();

console.log(
  JSON.stringify({
    format: 'esm',
    promocode: promo.promocode,
    express: { status: viaExpress.status, promocode: viaExpress.body.promocode },
    koa: { status: viaKoa.status, promocode: viaKoa.body.promocode },
    dashboard: dashboardStatus,
    fastify: { status: viaFastify.statusCode, promocode: viaFastify.json().promocode },
    fetch: { status: viaFetch.status, promocode: (await viaFetch.json()).promocode, other },
    errors: unknown instanceof UnknownPromocodeError && unknown instanceof TrackError && unknown.status === 422,
    scene1047: sceneLabel('1047') === SCENES['1047'] && typeof SCENES['1047'] === 'string',
    handler: typeof createHttpHandler,
    miniprogram: referral?.referrerId,
  }),
);
