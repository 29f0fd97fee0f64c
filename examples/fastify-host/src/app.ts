import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import { Kysely, SqliteDialect } from 'kysely';
import { createTracker, type Tracker } from '@promo-track/core';
import { promoTrackPlugin } from '@promo-track/fastify';

export interface BuildAppOptions {
  /** SQLite file; `:memory:` (the default) keeps everything until the process ends. */
  sqliteFile?: string;
  /** The secret behind promocodes (at least 8 characters). */
  salt?: string;
}

/**
 * A host application with routes of its own, and promo-track's routes registered under `/api`.
 * Users are identified by an `x-user-id` header here; a real app would read its session.
 */
export async function buildApp(options: BuildAppOptions = {}): Promise<{ app: FastifyInstance; tracker: Tracker; close(): Promise<void> }> {
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(options.sqliteFile ?? ':memory:') }) });
  const tracker = createTracker({ db, salt: options.salt ?? process.env.PROMO_SALT ?? 'example-salt-change-me' });
  await tracker.migrate();

  const app = Fastify();

  // The app's own routes.
  app.get('/', async () => ({ name: 'fastify-host', try: ['GET /api/tracks/1/1', 'POST /api/tracks', 'GET /api/stats?user_id=1'] }));
  app.post<{ Body: { item?: string } | undefined }>('/orders', async (req, reply) =>
    reply.code(201).send({ ordered: req.body?.item ?? null }),
  );

  // promo-track's routes, only those: the app's own routes under /api keep working.
  // `identify` is optional: without it the routes trust the user ids they are sent.
  await app.register(promoTrackPlugin, {
    tracker,
    prefix: '/api',
    identify: (req) => {
      const id = Number(req.headers['x-user-id']);
      return Number.isInteger(id) && id > 0 ? id : undefined;
    },
    admin: (req) => !!process.env.ADMIN_TOKEN && req.headers['x-admin-token'] === process.env.ADMIN_TOKEN,
  });
  app.get('/api/health', async () => ({ ok: true }));

  return {
    app,
    tracker,
    close: async () => {
      await app.close();
      await db.destroy();
    },
  };
}
