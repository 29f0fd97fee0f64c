import {
  createFileStore,
  createTracker,
  createWxacodeGenerator,
  type RewardRule,
  type Tracker,
  type Worker,
  type WebhookEndpoint,
} from '@promo-track/core';
import { createExpressRouter } from '@promo-track/express';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Kysely } from 'kysely';
import { createAdminAccess } from './admin-access.js';
import { ConfigError, readConfig, type ServiceConfig } from './config.js';
import { openDatabase } from './database.js';
import { openHealthCheck } from './health-check.js';
import { serveWxacodeFiles } from './wxacode-files.js';

export interface Service {
  /** The Express host: `GET /healthz`, the code images (when configured) and the routes at `/`. */
  app: Express;
  tracker: Tracker;
  db: Kysely<any>;
  config: ServiceConfig;
  /** Printed at start (a development salt, operator routes without ADMIN_TOKEN on the network). */
  warnings: string[];
  /**
   * Runs the tracker's worker (after the migration): the webhook sender when `WEBHOOK_URL` and
   * `WEBHOOK_SECRET` are set, and the queue of code images when `WX_APPID` and `WX_SECRET` are.
   */
  startWorker(): void;
  /** Stops the worker (its sends and codes in flight finish), then closes the database. Idempotent. */
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
  const health = openHealthCheck(config.database, db);
  try {
    const tracker = trackerFor(db, config);
    const app = express();
    app.disable('x-powered-by');
    trustProxy(app, config.trustProxy);
    app.use((_req, res, next) => {
      res.setHeader('X-Content-Type-Options', 'nosniff'); // no answer of ours is to be read as another type
      next();
    });

    app.get('/healthz', async (_req, res) => {
      const ok = await health.answers();
      res.setHeader('Cache-Control', 'no-store');
      if (ok) res.status(200).json({ status: 'ok' });
      else
        res.status(503).json({ status: 'unavailable', error: { code: 'storage_unavailable', message: 'The database does not answer.' } });
    });
    if (config.wxacode) app.use(config.wxacode.mountPath, serveWxacodeFiles(config.wxacode.dir));
    app.use(access.signIn);
    app.use(createExpressRouter(tracker, access.routerOptions));

    // What the routes do not own: JSON answers in the contract's error shape, never Express's HTML page.
    // The path is not echoed: an answer should never repeat what a stranger put in a link.
    app.use((_req, res) => {
      res.status(404).json({ error: { code: 'not_found', message: 'No such route.' } });
    });
    const onError: ErrorRequestHandler = (error, _req, res, next) => {
      if (res.headersSent) return next(error);
      const given = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? (error.status as number) : 500;
      // Only the status and a contract code reach the client; never a stack, a path or SQL.
      if (given === 500) console.error(error);
      const status = ERROR_CODES[given] ? given : 400;
      const [code, message] = ERROR_CODES[status]!;
      res.status(status).json({ error: { code, message } });
    };
    app.use(onError);

    let worker: Worker | undefined;
    let closing: Promise<void> | undefined;
    const warnings = [config.saltWarning, access.warning].filter((w): w is string => w !== null);
    return {
      app,
      tracker,
      db,
      config,
      warnings,
      startWorker() {
        // The worker sends webhooks, releases due rewards and makes code images: it runs when any is configured.
        if ((!config.webhook && !config.rewards && !config.wxacode) || worker || closing) return;
        worker = tracker.startWorker({
          onError: (error) => console.warn(`promo-track: ${error instanceof Error ? error.message : String(error)}`),
        });
      },
      close: () =>
        (closing ??= (async () => {
          await worker?.stop();
          await Promise.all([health.close(), db.destroy()]);
        })()),
    };
  } catch (error) {
    void health.close();
    void db.destroy();
    throw error;
  }
}

/** The contract's codes for what Express itself and its body parsers (the sign-in form's) refuse; any other 4xx is a 400. */
const ERROR_CODES: Record<number, [string, string]> = {
  400: ['validation_failed', 'The request could not be read.'],
  403: ['forbidden', 'Not allowed.'],
  404: ['not_found', 'No such route.'],
  413: ['payload_too_large', 'The request body is too large.'],
  415: ['unsupported_media_type', 'The request body has a type or encoding this route does not read.'],
  500: ['internal', 'Internal error.'],
};

function trustProxy(app: Express, setting: ServiceConfig['trustProxy']): void {
  try {
    app.set('trust proxy', setting);
  } catch (error) {
    throw new ConfigError(
      `TRUST_PROXY is not a number of proxies or a list of addresses (${error instanceof Error ? error.message : String(error)}): use e.g. 1, loopback or 10.0.0.0/8.`,
    );
  }
}

/** The tracker, with a core option mistake about webhooks reported as the variables that feed it. */
function trackerFor(db: Kysely<any>, config: ServiceConfig): Tracker {
  const hook = config.webhook;
  const webhooks: WebhookEndpoint[] | undefined = hook
    ? [{ url: hook.url, secret: hook.secret, events: hook.events as WebhookEndpoint['events'] }]
    : undefined;
  try {
    const rewards = config.rewards as RewardRule[] | undefined;
    return createTracker({ db, salt: config.salt, timeZone: config.timeZone, wxacode: wxacodeGenerator(config), webhooks, rewards });
  } catch (error) {
    if (error instanceof TypeError && error.message.includes('`webhooks')) {
      throw new ConfigError(`${error.message} (from WEBHOOK_URL, WEBHOOK_SECRET, WEBHOOK_EVENTS)`);
    }
    if (error instanceof TypeError && error.message.includes('`rewards')) throw new ConfigError(`${error.message} (from REWARDS)`);
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
      maxPerMinute: wx.maxPerMinute,
      store: createFileStore({ dir: wx.dir, baseUrl: wx.baseUrl }),
    });
  } catch (error) {
    // The core names its option (`apiBase`, …); say which variable feeds it.
    throw new ConfigError(
      `${error instanceof Error ? error.message : String(error)} (from WX_APPID, WX_SECRET, WXACODE_DIR, WXACODE_BASE_URL, WX_API_BASE, WXACODE_PER_MINUTE)`,
    );
  }
}
