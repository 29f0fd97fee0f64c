// The latency bench's HTTP server, in its own process: `node latency-http-server.mjs <lib|twin> <postgres|mysql> <url> <table prefix>`.
// Express on both sides (the library's router; the twin's hand-written route). Its database URL
// points at the bench's latency proxy. Answers its port over IPC; exits when the parent disconnects.
import http from 'node:http';
import express from 'express';
import { Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import { createPool } from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import { z } from 'zod';
import { createServerTwin, UnknownCode } from './twin-server.mjs';
import { SALT } from './workload.mjs';

const [side, kind, url, prefix] = process.argv.slice(2);
const POOL = 10;

const trackBody = z.object({
  user_id: z.number().int().min(1).max(2_147_483_647),
  promocode: z.string().min(1).max(64),
  scene: z.union([z.number().int().min(0).transform(String), z.string().regex(/^\d{1,32}$/)]),
  track_type: z.union([z.literal(1), z.literal(2)]).optional(),
  detail: z.string().max(128).nullish(),
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

async function build() {
  const app = express();
  if (side === 'twin') {
    const pool =
      kind === 'postgres'
        ? new pg.Pool({ connectionString: url, max: POOL, application_name: `latency-${side}` })
        : mysqlPromise.createPool({ uri: url, connectionLimit: POOL });
    const twin = createServerTwin(kind, pool, prefix, SALT);
    app.use(express.json());
    app.post('/tracks', async (req, res) => {
      const parsed = trackBody.safeParse(req.body);
      if (!parsed.success) return res.status(400).json({ error: { code: 'validation_failed', message: 'invalid input' } });
      const b = parsed.data;
      try {
        const t = await twin.recordTrack({
          userId: b.user_id,
          promocode: b.promocode,
          scene: b.scene,
          trackType: b.track_type,
          detail: b.detail ?? null,
        });
        res.status(201).json(wire(t));
      } catch (error) {
        if (error instanceof UnknownCode)
          return res.status(422).json({ error: { code: 'unknown_promocode', message: 'unknown promocode' } });
        res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
      }
    });
    return app;
  }
  const { createTracker } = await import('@promo-track/core');
  const { createExpressRouter } = await import('@promo-track/express');
  const dialect =
    kind === 'postgres'
      ? new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: POOL, application_name: `latency-${side}` }) })
      : new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: POOL }) });
  const tracker = createTracker({ db: new Kysely({ dialect }), salt: SALT, tablePrefix: prefix });
  app.use(createExpressRouter(tracker));
  return app;
}

const server = http.createServer(await build());
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
