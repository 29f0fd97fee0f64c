import Database from 'better-sqlite3';
import express, { type Express } from 'express';
import { Kysely, SqliteDialect } from 'kysely';
import { createTracker, type Tracker, withStatementCache } from '@promo-track/core';
import { dashboard } from '@promo-track/dashboard';
import { createExpressRouter } from '@promo-track/express';

export interface BuildAppOptions {
  /** SQLite file; `:memory:` (the default) keeps everything until the process ends. */
  sqliteFile?: string;
  /** The secret behind promocodes (at least 8 characters). */
  salt?: string;
}

/**
 * A host application with routes of its own, and promo-track's routes mounted under `/api`.
 * Users are identified by an `x-user-id` header here; a real app would read its session.
 */
export async function buildApp(options: BuildAppOptions = {}): Promise<{ app: Express; tracker: Tracker; close(): Promise<void> }> {
  const db = new Kysely<any>({
    dialect: new SqliteDialect({ database: withStatementCache(new Database(options.sqliteFile ?? ':memory:')) }),
  });
  const tracker = createTracker({ db, salt: options.salt ?? process.env.PROMO_SALT ?? 'example-salt-change-me' });
  await tracker.migrate();

  const app = express();
  app.use(express.json()); // the host's own body parser: the router reads req.body when it is there

  // The app's own routes.
  app.get('/', (_req, res) => {
    res.json({ name: 'express-host', try: ['GET /api/tracks/1/1', 'POST /api/tracks', 'GET /api/stats?user_id=1'] });
  });
  app.post('/orders', (req, res) => {
    res.status(201).json({ ordered: req.body?.item ?? null });
  });

  // promo-track's routes. `identify` is optional: without it the routes trust the user ids they are sent.
  app.use(
    '/api',
    createExpressRouter(tracker, {
      identify: (req) => {
        const id = Number(req.headers['x-user-id']);
        return Number.isInteger(id) && id > 0 ? id : undefined;
      },
      admin: (req) => !!process.env.ADMIN_TOKEN && req.headers['x-admin-token'] === process.env.ADMIN_TOKEN,
      plugins: [dashboard()], // GET /api/dashboard, for whoever `admin` lets through
    }),
  );

  return { app, tracker, close: () => db.destroy() };
}
