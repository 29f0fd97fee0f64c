import { createFileStore, createTracker, createWxacodeGenerator, type Tracker } from '@promo-track/core';
import { createExpressRouter } from '@promo-track/express';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Kysely } from 'kysely';
import { createAdminAccess } from './admin-access.js';
import { ConfigError, readConfig, type ServiceConfig } from './config.js';
import { databaseAnswers, openDatabase } from './database.js';
import { serveWxacodeFiles } from './wxacode-files.js';

export interface Service {
  /** The Express host: `GET /healthz`, the code images (when configured) and the routes at `/`. */
  app: Express;
  tracker: Tracker;
  db: Kysely<any>;
  config: ServiceConfig;
  /** Closes the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the standalone service from environment variables (see `readConfig`). Opens the database
 * but does not migrate it and does not listen: `main.ts` does both. Throws `ConfigError` for a
 * configuration mistake.
 */
export function createService(env: Record<string, string | undefined> = process.env, options: { cwd?: string } = {}): Service {
  const config = readConfig(env, options.cwd);
  const access = createAdminAccess(env, config.host); // ADMIN_TOKEN, the dashboard
  const db = openDatabase(config.database);
  try {
    const tracker = createTracker({ db, salt: config.salt, timeZone: config.timeZone, wxacode: wxacodeGenerator(config) });
    const app = express();
    app.disable('x-powered-by');

    app.get('/healthz', async (_req, res) => {
      const ok = await databaseAnswers(db);
      res.setHeader('Cache-Control', 'no-store');
      if (ok) res.status(200).json({ status: 'ok' });
      else res.status(503).json({ status: 'unavailable', error: { code: 'storage_unavailable', message: 'The database does not answer.' } });
    });
    if (config.wxacode) app.use(config.wxacode.mountPath, serveWxacodeFiles(config.wxacode.dir));
    app.use(access.signIn);
    app.use(createExpressRouter(tracker, access.routerOptions));

    // What the routes do not own: JSON answers in the contract's error shape, never Express's HTML page.
    app.use((req, res) => {
      res.status(404).json({ error: { code: 'not_found', message: `No route for ${req.method} ${req.path}.` } });
    });
    const onError: ErrorRequestHandler = (error, _req, res, next) => {
      if (res.headersSent) return next(error);
      const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
      // Only the status reaches the client; never a stack, a path or SQL.
      if (status === 500) console.error(error);
      res.status(status).json({ error: { code: status === 500 ? 'internal' : 'bad_request', message: status === 500 ? 'Internal error.' : 'Bad request.' } });
    };
    app.use(onError);

    let closing: Promise<void> | undefined;
    return { app, tracker, db, config, close: () => (closing ??= db.destroy()) };
  } catch (error) {
    void db.destroy();
    throw error;
  }
}

function wxacodeGenerator(config: ServiceConfig) {
  const wx = config.wxacode;
  if (!wx) return undefined;
  try {
    return createWxacodeGenerator({
      appid: wx.appid,
      secret: wx.secret,
      apiBase: wx.apiBase,
      store: createFileStore({ dir: wx.dir, baseUrl: wx.baseUrl }),
    });
  } catch (error) {
    // The core names its option (`apiBase`, …); say which variable feeds it.
    throw new ConfigError(`${error instanceof Error ? error.message : String(error)} (from WX_APPID, WX_SECRET, WXACODE_DIR, WXACODE_BASE_URL, WX_API_BASE)`);
  }
}
