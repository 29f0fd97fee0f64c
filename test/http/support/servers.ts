import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import express from 'express';
import Koa from 'koa';
import type { Tracker } from '@promo-track/core';
import { createExpressRouter } from '@promo-track/express';
import { createKoaMiddleware } from '@promo-track/koa';

/** How a test host authenticates: `x-user-id` is the user, `x-admin: 1` an operator. */
export interface AuthOptions {
  identify?: (headers: Record<string, string | string[] | undefined>) => number | undefined | Promise<number | undefined>;
  admin?: (headers: Record<string, string | string[] | undefined>) => boolean | Promise<boolean>;
}

export interface HostOptions {
  auth?: AuthOptions;
  /** Where the host mounts its own JSON body parser, if anywhere. */
  bodyParser?: 'before' | 'after';
  /** The adapter's `onError`, given the framework's request (Express `req`, Koa `ctx`). */
  onError?: (error: unknown, raw: unknown) => void;
}

export interface RunningHost {
  /** Origin plus mount point: `http://127.0.0.1:1234/api`. */
  base: string;
  origin: string;
  close(): Promise<void>;
}

export interface AdapterCase {
  name: string;
  /** Where the routes answer on the host. */
  mount: string;
  start(tracker: Tracker, options?: HostOptions): Promise<RunningHost>;
}

/**
 * Every host has its own routes beside the mount point (`/host/ping`) and under it
 * (`{mount}/host-only`, `POST {mount}/host-echo` which echoes the parsed body), answered after ours.
 */
function expressCase(): AdapterCase {
  const mount = '/api';
  return {
    name: 'express',
    mount,
    async start(tracker, { auth = {}, bodyParser: parser, onError } = {}) {
      const app = express();
      if (parser === 'before') app.use(express.json());
      app.use(
        mount,
        createExpressRouter(tracker, {
          identify: auth.identify && ((req) => auth.identify!(req.headers)),
          admin: auth.admin && ((req) => auth.admin!(req.headers)),
          onError,
        }),
      );
      if (parser === 'after') app.use(express.json());
      app.get('/host/ping', (_req, res) => void res.json({ host: 'ping' }));
      app.get(`${mount}/host-only`, (_req, res) => void res.json({ host: 'under mount' }));
      app.post(`${mount}/host-echo`, (req, res) => void res.json({ echo: req.body ?? null }));
      return listen(app.listen(0, '127.0.0.1'), mount);
    },
  };
}

function koaCase(prefix: string): AdapterCase {
  return {
    name: prefix ? `koa (prefix ${prefix})` : 'koa (no prefix)',
    mount: prefix,
    async start(tracker, { auth = {}, bodyParser: parser, onError } = {}) {
      const app = new Koa();
      if (parser === 'before') app.use(bodyParser());
      app.use(
        createKoaMiddleware(tracker, {
          prefix,
          identify: auth.identify && ((ctx) => auth.identify!(ctx.headers)),
          admin: auth.admin && ((ctx) => auth.admin!(ctx.headers)),
          onError,
        }),
      );
      if (parser === 'after') app.use(bodyParser());
      app.use(async (ctx, next) => {
        if (ctx.method === 'GET' && ctx.path === '/host/ping') ctx.body = { host: 'ping' };
        else if (ctx.method === 'GET' && ctx.path === `${prefix}/host-only`) ctx.body = { host: 'under mount' };
        else if (ctx.method === 'POST' && ctx.path === `${prefix}/host-echo`)
          ctx.body = { echo: (ctx.request as { body?: unknown }).body ?? null };
        else await next();
      });
      return listen(app.listen(0, '127.0.0.1'), prefix);
    },
  };
}

export const adapters: AdapterCase[] = [expressCase(), koaCase('/api'), koaCase('')];

async function listen(server: Server, mount: string): Promise<RunningHost> {
  if (!server.listening) await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    base: origin + mount,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The test hosts' authentication: from headers, sync or async. */
export const headerAuth = (async = false): AuthOptions => {
  const userOf = (h: Record<string, string | string[] | undefined>) => {
    const value = h['x-user-id'];
    return typeof value === 'string' && value !== '' ? Number(value) : undefined;
  };
  const adminOf = (h: Record<string, string | string[] | undefined>) => h['x-admin'] === '1';
  return async
    ? {
        identify: (h) => new Promise((resolve) => setTimeout(() => resolve(userOf(h)), 1)),
        admin: async (h) => adminOf(h),
      }
    : { identify: userOf, admin: adminOf };
};
