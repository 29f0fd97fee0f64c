// Requires the installed tarballs from CommonJS (their `require` build) and runs them.
const Database = require('better-sqlite3');
const express = require('express');
const Koa = require('koa');
const Fastify = require('fastify');
const { Kysely, SqliteDialect } = require('kysely');
const { createTracker, TrackError, ValidationError, createHttpHandler } = require('@promo-track/core');
const { createExpressRouter } = require('@promo-track/express');
const { createKoaMiddleware } = require('@promo-track/koa');
const { dashboard } = require('@promo-track/dashboard');
const { createPromoClient } = require('@promo-track/miniprogram');
const { promoTrackPlugin } = require('@promo-track/fastify');
const { createFetchHandler } = require('@promo-track/fetch');

(async () => {
  const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  const tracker = createTracker({ db, salt: 'consumer-salt-123' });
  await tracker.migrate();
  const promo = await tracker.getOrCreatePromo({ userId: 7 });
  const invalid = await tracker.getOrCreatePromo({ userId: -1 }).catch((e) => e);

  const server = await new Promise((resolve) => {
    const s = express()
      .use(createExpressRouter(tracker, { plugins: [dashboard()] }))
      .listen(0, '127.0.0.1', () => resolve(s));
  });
  const res = await fetch(`http://127.0.0.1:${server.address().port}/promos/${promo.promocode}`);
  const body = await res.json();
  const page = await fetch(`http://127.0.0.1:${server.address().port}/dashboard`);
  server.close();
  const koaServer = await new Promise((resolve) => {
    const s = new Koa().use(createKoaMiddleware(tracker, { prefix: '/api' })).listen(0, '127.0.0.1', () => resolve(s));
  });
  const koaRes = await fetch(`http://127.0.0.1:${koaServer.address().port}/api/tracks/7/1`);
  const koaBody = await koaRes.json();
  koaServer.close();
  const fastify = Fastify();
  await fastify.register(promoTrackPlugin, { tracker, prefix: '/api' });
  const fastifyRes = await fastify.inject({ url: `/api/promos/${promo.promocode}` });
  await fastify.close();
  const fetchRes = await createFetchHandler(tracker)(new Request('http://localhost/tracks/7/1'));
  await db.destroy();

  console.log(
    JSON.stringify({
      format: 'cjs',
      promocode: promo.promocode,
      express: { status: res.status, promocode: body.promocode },
      koa: { status: koaRes.status, promocode: koaBody.promocode },
      dashboard: page.status,
      fastify: { status: fastifyRes.statusCode, promocode: fastifyRes.json().promocode },
      fetch: { status: fetchRes.status, promocode: (await fetchRes.json()).promocode },
      errors: invalid instanceof ValidationError && invalid instanceof TrackError && invalid.status === 400,
      handler: typeof createHttpHandler,
      miniprogram: typeof createPromoClient,
    }),
  );
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
