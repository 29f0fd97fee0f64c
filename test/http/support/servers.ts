import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { serve } from '@hono/node-server';
import { bodyParser } from '@koa/bodyparser';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import type { Tracker } from '@promo-track/core';
import { createExpressRouter } from '@promo-track/express';
import { promoTrackPlugin } from '@promo-track/fastify';
import { createFetchHandler } from '@promo-track/fetch';
import { createKoaMiddleware } from '@promo-track/koa';
import { fetchBridge, headersOf } from './fetch-bridge.js';

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
  /** The adapter's `trustProxy` (the client's IP from `X-Forwarded-For`). */
  trustProxy?: boolean;
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
  /**
   * The answer the framework's own router gives a path before any route or plugin sees it, if it
   * does: Fastify refuses broken percent-encoding and a segment past its `maxParamLength` (the
   * host's `frameworkErrors` option words these, not the plugin).
   */
  routerRefusal?: (path: string) => { status: number; code: string } | null;
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
    async start(tracker, { auth = {}, bodyParser: parser, onError, trustProxy } = {}) {
      const app = express();
      if (parser === 'before') app.use(express.json());
      app.use(
        mount,
        createExpressRouter(tracker, {
          identify: auth.identify && ((req) => auth.identify!(req.headers)),
          admin: auth.admin && ((req) => auth.admin!(req.headers)),
          onError,
          trustProxy,
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
    async start(tracker, { auth = {}, bodyParser: parser, onError, trustProxy } = {}) {
      const app = new Koa();
      if (parser === 'before') app.use(bodyParser());
      app.use(
        createKoaMiddleware(tracker, {
          prefix,
          identify: auth.identify && ((ctx) => auth.identify!(ctx.headers)),
          admin: auth.admin && ((ctx) => auth.admin!(ctx.headers)),
          onError,
          trustProxy,
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

/** Fastify parses JSON itself in every case: a `bodyParser` option changes nothing there. */
function fastifyCase(): AdapterCase {
  const mount = '/api';
  return {
    name: 'fastify',
    mount,
    routerRefusal: fastifyRefusal,
    async start(tracker, { auth = {}, trustProxy } = {}) {
      const app = Fastify();
      await app.register(promoTrackPlugin, {
        tracker,
        prefix: mount,
        identify: auth.identify && ((req) => auth.identify!(req.headers)),
        admin: auth.admin && ((req) => auth.admin!(req.headers)),
        trustProxy,
      });
      app.get('/host/ping', async () => ({ host: 'ping' }));
      app.get(`${mount}/host-only`, async () => ({ host: 'under mount' }));
      app.post(`${mount}/host-echo`, async (req) => ({ echo: req.body ?? null }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      return listen(app.server, mount);
    },
  };
}

/** Fastify's router: 400 for a path `decodeURIComponent` refuses, 414 for a segment over 100 characters. */
function fastifyRefusal(path: string): { status: number; code: string } | null {
  const segments = path.split('?')[0].split('/');
  try {
    const decoded = segments.map((segment) => decodeURIComponent(segment));
    return decoded.some((segment) => segment.length > 100) ? { status: 414, code: 'FST_ERR_MAX_PARAM_LENGTH' } : null;
  } catch {
    return { status: 400, code: 'FST_ERR_BAD_URL' };
  }
}

/** The fetch handler in Hono on @hono/node-server, or in a bare node:http server through `fetchBridge`. */
function fetchCase(host: 'hono' | 'node:http'): AdapterCase {
  const mount = '/api';
  const hostRoutes = new Hono();
  hostRoutes.get('/host/ping', (c) => c.json({ host: 'ping' }));
  hostRoutes.get(`${mount}/host-only`, (c) => c.json({ host: 'under mount' }));
  hostRoutes.post(`${mount}/host-echo`, async (c) => c.json({ echo: await c.req.json().catch(() => null) }));
  return {
    name: `fetch (${host})`,
    mount,
    async start(tracker, { auth = {}, trustProxy } = {}) {
      const handle = createFetchHandler(tracker, {
        prefix: mount,
        identify: auth.identify && ((req) => auth.identify!(headersOf(req.headers))),
        admin: auth.admin && ((req) => auth.admin!(headersOf(req.headers))),
        trustProxy,
      });
      if (host === 'node:http') {
        const server = createServer(fetchBridge(async (req, info) => (await handle(req, info)) ?? hostRoutes.fetch(req)));
        return listen(server.listen(0, '127.0.0.1'), mount);
      }
      const app = new Hono();
      // The peer address from @hono/node-server's incoming message (a Request carries none).
      app.use(
        `${mount}/*`,
        async (c, next) =>
          (await handle(c.req.raw, { remoteAddress: (c.env as { incoming: IncomingMessage }).incoming.socket.remoteAddress })) ?? next(),
      );
      app.route('/', hostRoutes);
      return listen(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server, mount);
    },
  };
}

export const adapters: AdapterCase[] = [
  expressCase(),
  koaCase('/api'),
  koaCase(''),
  fastifyCase(),
  fetchCase('hono'),
  fetchCase('node:http'),
];

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
