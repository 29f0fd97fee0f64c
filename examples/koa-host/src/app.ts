import { bodyParser } from '@koa/bodyparser';
import Database from 'better-sqlite3';
import Koa from 'koa';
import { Kysely, SqliteDialect } from 'kysely';
import { createTracker, type Tracker, withStatementCache } from '@promo-track/core';
import { dashboard } from '@promo-track/dashboard';
import { createKoaMiddleware } from '@promo-track/koa';

export interface BuildAppOptions {
  /** SQLite file; `:memory:` (the default) keeps everything until the process ends. */
  sqliteFile?: string;
  /** The secret behind promocodes (at least 8 characters). */
  salt?: string;
}

/**
 * A host application with routes of its own, and promo-track's routes under `/api` (Koa has no
 * mount, so the middleware takes a `prefix`). Users are identified by an `x-user-id` header here;
 * a real app would read its session.
 */
export async function buildApp(options: BuildAppOptions = {}): Promise<{ app: Koa; tracker: Tracker; close(): Promise<void> }> {
  const db = new Kysely<any>({
    dialect: new SqliteDialect({ database: withStatementCache(new Database(options.sqliteFile ?? ':memory:')) }),
  });
  const tracker = createTracker({ db, salt: options.salt ?? process.env.PROMO_SALT ?? 'example-salt-change-me' });
  await tracker.migrate();

  const app = new Koa();
  app.use(bodyParser()); // the host's own body parser: the middleware reads ctx.request.body when it is there

  app.use(
    createKoaMiddleware(tracker, {
      prefix: '/api',
      identify: (ctx) => {
        const id = Number(ctx.get('x-user-id'));
        return Number.isInteger(id) && id > 0 ? id : undefined;
      },
      admin: (ctx) => !!process.env.ADMIN_TOKEN && ctx.get('x-admin-token') === process.env.ADMIN_TOKEN,
      plugins: [dashboard()], // GET /api/dashboard, for whoever `admin` lets through
    }),
  );

  // The app's own routes: promo-track passes every path it does not own on to them.
  app.use(async (ctx) => {
    if (ctx.method === 'GET' && ctx.path === '/') {
      ctx.body = { name: 'koa-host', try: ['GET /api/tracks/1/1', 'POST /api/tracks', 'GET /api/stats?user_id=1'] };
    } else if (ctx.method === 'POST' && ctx.path === '/orders') {
      ctx.status = 201;
      ctx.body = { ordered: (ctx.request.body as { item?: string } | undefined)?.item ?? null };
    }
  });

  return { app, tracker, close: () => db.destroy() };
}
