/**
 * promo-track's routes in a Koa 3 app: `app.use(createKoaMiddleware(tracker, { prefix: '/api', ...options }))`.
 *
 * @packageDocumentation
 * @module @promo-track/koa
 */
import { belowPrefix, createHttpHandler, type HttpHandlerOptions, readJsonBody, type Tracker } from '@promo-track/core';
import { Readable } from 'node:stream';
import type { Context, Middleware } from 'koa';

/** Options of `createKoaMiddleware`: `prefix`, and `identify`, `admin`, `onError`, `dashboard` given the Koa `ctx`. */
export interface KoaMiddlewareOptions extends HttpHandlerOptions<Context> {
  /** The path under which the routes answer, e.g. `/api` (Koa has no mount of its own). Default `''`. */
  prefix?: string;
}

/**
 * promo-track's routes as a Koa 3 middleware: `app.use(createKoaMiddleware(tracker, { prefix: '/api' }))`.
 * Requests for any other path go on down the host's middleware.
 */
export function createKoaMiddleware(tracker: Tracker, { prefix = '', ...options }: KoaMiddlewareOptions = {}): Middleware {
  const below = belowPrefix(prefix);
  const handle = createHttpHandler<Context>(tracker, options);
  return async (ctx, next) => {
    const path = below(ctx.path);
    const response =
      path === null
        ? null
        : await handle({
            method: ctx.method,
            path,
            query: ctx.query,
            rawQuery: ctx.querystring,
            headers: ctx.headers,
            // Set by a body parser (e.g. @koa/bodyparser) that ran before us.
            body: (ctx.request as { body?: unknown }).body,
            readBody: () => readJsonBody(ctx.req),
            raw: ctx,
            remoteAddress: ctx.req.socket.remoteAddress,
          });
    if (!response) return next();
    ctx.status = response.status;
    ctx.set(response.headers);
    // A streamed body (the CSV exports) goes to Koa as a stream, which it writes and ends.
    ctx.body = typeof response.body === 'string' ? response.body : Readable.from(response.body);
  };
}
