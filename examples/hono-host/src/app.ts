import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { Kysely, SqliteDialect } from 'kysely';
import { createTracker, type Tracker } from '@promo-track/core';
import { createFetchHandler } from '@promo-track/fetch';

export interface BuildAppOptions {
  /** SQLite file; `:memory:` (the default) keeps everything until the process ends. */
  sqliteFile?: string;
  /** The secret behind promocodes (at least 8 characters). */
  salt?: string;
}

/**
 * A host application with routes of its own, and promo-track's routes under `/api` through the
 * Web-standard fetch handler (the same handler serves Next.js route handlers, Bun and Deno).
 * Users are identified by an `x-user-id` header here; a real app would read its session.
 */
export async function buildApp(options: BuildAppOptions = {}): Promise<{ app: Hono; tracker: Tracker; close(): Promise<void> }> {
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(options.sqliteFile ?? ':memory:') }) });
  const tracker = createTracker({ db, salt: options.salt ?? process.env.PROMO_SALT ?? 'example-salt-change-me' });
  await tracker.migrate();

  // `identify` and `admin` receive the Web `Request`. Without `identify` the routes trust the user ids they are sent.
  const promoTrack = createFetchHandler(tracker, {
    prefix: '/api',
    identify: (req) => {
      const id = Number(req.headers.get('x-user-id'));
      return Number.isInteger(id) && id > 0 ? id : undefined;
    },
    admin: (req) => !!process.env.ADMIN_TOKEN && req.headers.get('x-admin-token') === process.env.ADMIN_TOKEN,
  });

  const app = new Hono();
  // promo-track answers its routes; `null` means not ours, and the request goes on to the app's own.
  app.use('/api/*', async (c, next) => (await promoTrack(c.req.raw)) ?? next());

  // The app's own routes.
  app.get('/', (c) => c.json({ name: 'hono-host', try: ['GET /api/tracks/1/1', 'POST /api/tracks', 'GET /api/stats?user_id=1'] }));
  app.post('/orders', async (c) => {
    const body = await c.req.json<{ item?: string }>().catch(() => undefined);
    return c.json({ ordered: body?.item ?? null }, 201);
  });
  app.get('/api/health', (c) => c.json({ ok: true }));

  return { app, tracker, close: () => db.destroy() };
}
