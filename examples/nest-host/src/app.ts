import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createTracker, type Tracker } from '@promo-track/core';
import { createExpressRouter } from '@promo-track/express';
import { ShopModule } from './shop.module.js';

export interface BuildAppOptions {
  /** SQLite file; `:memory:` (the default) keeps everything until the process ends. */
  sqliteFile?: string;
  /** The secret behind promocodes (at least 8 characters). */
  salt?: string;
}

/**
 * A NestJS application on its Express platform with routes of its own (`ShopModule`), and
 * promo-track's Express router mounted under `/api` with `app.use`, as any Express middleware.
 * Users are identified by an `x-user-id` header here; a real app would read its session.
 */
export async function buildApp(
  options: BuildAppOptions = {},
): Promise<{ app: NestExpressApplication; tracker: Tracker; close(): Promise<void> }> {
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(options.sqliteFile ?? ':memory:') }) });
  const tracker = createTracker({ db, salt: options.salt ?? process.env.PROMO_SALT ?? 'example-salt-change-me' });
  await tracker.migrate();

  const app = await NestFactory.create<NestExpressApplication>(ShopModule, { logger: ['error', 'warn'] });
  // promo-track's routes; a path under /api that is not one of them goes on to Nest's own routes.
  // `identify` is optional: without it the routes trust the user ids they are sent.
  app.use(
    '/api',
    createExpressRouter(tracker, {
      identify: (req) => {
        const id = Number(req.headers['x-user-id']);
        return Number.isInteger(id) && id > 0 ? id : undefined;
      },
      admin: (req) => !!process.env.ADMIN_TOKEN && req.headers['x-admin-token'] === process.env.ADMIN_TOKEN,
    }),
  );
  await app.init();

  return {
    app,
    tracker,
    close: async () => {
      await app.close();
      await db.destroy();
    },
  };
}
