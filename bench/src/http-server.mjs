// One HTTP server for the bench, in its own process: `node http-server.mjs <express|koa|fastify|hono> <lib|twin> <db file>`.
// Answers its port over IPC once listening; exits when the parent disconnects.
import http from 'node:http';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { z } from 'zod';
import { createSqliteTwin, UnknownCode } from './twin-sqlite.mjs';
import { openSqlite } from './util.mjs';
import { SALT } from './workload.mjs';

const [framework, side, file] = process.argv.slice(2);

// The hand-written route's validation: the wire body of POST /tracks, as the contract words it.
const trackBody = z.object({
  user_id: z.number().int().min(1).max(2_147_483_647),
  promocode: z.string().min(1).max(64),
  scene: z.union([z.number().int().min(0).transform(String), z.string().regex(/^\d{1,32}$/)]),
  track_type: z.union([z.literal(1), z.literal(2)]).optional(),
  detail: z.string().max(128).nullish(),
  event_id: z.string().min(1).max(64).nullish(),
  referrer: z.unknown().optional(),
});

const wire = (t) => ({
  id: t.id,
  track_type: t.trackType,
  scene: t.scene,
  detail: t.detail,
  user_id: t.userId,
  promocode: t.promocode,
  referrer: t.referrerId,
  created_at: t.createdAt.toISOString(),
});

/** The twin's request → response, shared by every framework's hand-written route. */
function twinHandler(twin) {
  return (body) => {
    const parsed = trackBody.safeParse(body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return [400, { error: { code: 'validation_failed', message: 'invalid input', issues } }];
    }
    const b = parsed.data;
    try {
      const t = twin.recordTrack({
        userId: b.user_id,
        promocode: b.promocode,
        scene: b.scene,
        trackType: b.track_type,
        detail: b.detail ?? null,
        eventId: b.event_id ?? null,
      });
      return [201, wire(t)];
    } catch (error) {
      if (error instanceof UnknownCode) return [422, { error: { code: 'unknown_promocode', message: 'unknown promocode' } }];
      return [500, { error: { code: 'internal', message: 'internal error' } }];
    }
  };
}

async function build() {
  const raw = openSqlite(Database, file);
  if (side === 'twin') {
    const handle = twinHandler(createSqliteTwin(raw, SALT));
    if (framework === 'express') {
      const { default: express } = await import('express');
      const app = express();
      app.use(express.json());
      app.post('/tracks', (req, res) => {
        const [status, body] = handle(req.body);
        res.status(status).json(body);
      });
      return app;
    }
    if (framework === 'fastify') {
      // Fastify's own JSON parser (1 MiB limit) and reply serialization, as a Fastify user writes a route.
      const { default: Fastify } = await import('fastify');
      const app = Fastify();
      app.post('/tracks', (req, reply) => {
        const [status, body] = handle(req.body);
        reply.code(status).send(body);
      });
      return fastifyListener(app);
    }
    if (framework === 'hono') {
      // Hono's body-limit middleware (1 MiB, as the library's) and `c.req.json()`.
      const { Hono } = await import('hono');
      const { bodyLimit } = await import('hono/body-limit');
      const app = new Hono();
      app.post('/tracks', bodyLimit({ maxSize: 1024 * 1024 }), async (c) => {
        const parsed = await c.req.json().then(
          (value) => ({ value }),
          () => null,
        );
        if (!parsed) return c.json({ error: { code: 'invalid_json', message: 'not JSON' } }, 400);
        const [status, body] = handle(parsed.value);
        return c.json(body, status);
      });
      return honoListener(app);
    }
    const { default: Koa } = await import('koa');
    const { bodyParser } = await import('@koa/bodyparser');
    const app = new Koa();
    app.use(bodyParser());
    app.use(async (ctx, next) => {
      if (ctx.method !== 'POST' || ctx.path !== '/tracks') return next();
      const [status, body] = handle(ctx.request.body);
      ctx.status = status;
      ctx.body = body;
    });
    return app.callback();
  }
  const { createTracker, withStatementCache } = await import('@promo-track/core');
  const database = process.env.PROMO_TRACK_BENCH_STATEMENT_CACHE === '0' ? raw : withStatementCache(raw);
  const db = new Kysely({ dialect: new SqliteDialect({ database }) });
  const tracker = createTracker({ db, salt: SALT });
  await tracker.migrate();
  if (framework === 'express') {
    const { default: express } = await import('express');
    const { createExpressRouter } = await import('@promo-track/express');
    const app = express();
    app.use(createExpressRouter(tracker));
    return app;
  }
  if (framework === 'fastify') {
    const { default: Fastify } = await import('fastify');
    const { promoTrackPlugin } = await import('@promo-track/fastify');
    const app = Fastify();
    await app.register(promoTrackPlugin, { tracker });
    return fastifyListener(app);
  }
  if (framework === 'hono') {
    const { Hono } = await import('hono');
    const { createFetchHandler } = await import('@promo-track/fetch');
    const promoTrack = createFetchHandler(tracker);
    const app = new Hono();
    app.use(async (c, next) => (await promoTrack(c.req.raw)) ?? next());
    return honoListener(app);
  }
  const { default: Koa } = await import('koa');
  const { createKoaMiddleware } = await import('@promo-track/koa');
  const app = new Koa();
  app.use(createKoaMiddleware(tracker, { prefix: '' }));
  return app.callback();
}

/** Fastify's request listener, for the same `http.createServer` as the other frameworks. */
async function fastifyListener(app) {
  await app.ready();
  return (req, res) => app.routing(req, res);
}

async function honoListener(app) {
  const { getRequestListener } = await import('@hono/node-server');
  return getRequestListener(app.fetch);
}

const handler = await build();
const server = http.createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
