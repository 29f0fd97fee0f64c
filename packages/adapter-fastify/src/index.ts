/** promo-track's routes as a Fastify 5 plugin. @packageDocumentation @module @promo-track/fastify */
import { Readable } from 'node:stream';
import {
  createHttpHandler,
  HttpBodyError,
  type HttpHandlerOptions,
  MAX_BODY_BYTES,
  queryText,
  readJsonBody,
  type Tracker,
} from '@promo-track/core';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';

/** Options of `promoTrackPlugin`: the tracker, Fastify's `prefix`, and `identify`, `admin`, `onError`, `plugins` given the `FastifyRequest`. */
export interface PromoTrackPluginOptions extends HttpHandlerOptions<FastifyRequest> {
  /** The tracker whose routes the plugin serves. */ tracker: Tracker;
  /** Fastify's own: where the routes answer, e.g. `/api`. */
  prefix?: string;
}

/**
 * `app.register(promoTrackPlugin, { tracker, prefix: '/api' })`: only its own routes, so the host's keep working.
 * Not wrapped in `fastify-plugin` (docs/adapters.md): it decorates nothing, and its parser and error handler stay in its context.
 */
export const promoTrackPlugin: FastifyPluginAsync<PromoTrackPluginOptions> = async (app, { tracker, prefix: _prefix, ...options }) => {
  const handle = createHttpHandler<FastifyRequest>(tracker, options);
  const serve = async (request: FastifyRequest, reply: FastifyReply, readBody: () => Promise<unknown>) => {
    const { path } = request.routeOptions.config as unknown as { path: string };
    const response = await handle({
      method: request.method,
      path: path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent((request.params as Record<string, string>)[name])),
      query: request.query as Record<string, unknown>,
      rawQuery: queryText(request.url),
      headers: request.headers,
      body: request.body,
      readBody,
      raw: request,
      remoteAddress: request.raw.socket.remoteAddress,
    });
    if (!response) return reply.callNotFound();
    return reply
      .code(response.status)
      .headers(response.headers)
      .send(typeof response.body === 'string' ? response.body : Readable.from(response.body));
  };
  // JSON parsed in Fastify's parsing step, by the core's reader (as every adapter reads it: a `__proto__` or
  // `constructor` key is a plain key, where Fastify's own parser refuses it); a compressed body, and any other
  // type, left unread for the core to refuse; the errors answered as the core's.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', async (request: FastifyRequest, payload: Readable) =>
    request.headers['content-encoding'] === undefined ? readJsonBody(payload) : undefined,
  );
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error instanceof HttpBodyError) return serve(request, reply, () => Promise.reject(error));
    const code = error.code ?? '';
    if (!code.startsWith('FST_ERR_CTP_')) throw error; // not ours: the host's error handler
    if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return serve(request, reply, async () => undefined);
    const failure =
      code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? new HttpBodyError('payload_too_large', `The request body is larger than ${MAX_BODY_BYTES} bytes`)
        : new HttpBodyError('invalid_json', 'The request body is not valid JSON');
    return serve(request, reply, () => Promise.reject(failure));
  });
  // `/a/b/` answers like `/a/b`, as on Express and Koa: a route of its own unless the host's router makes them one.
  const { ignoreTrailingSlash, routerOptions } = app.initialConfig;
  const slashes = routerOptions?.ignoreTrailingSlash || ignoreTrailingSlash ? [''] : ['', '/'];
  for (const route of handle.routes) {
    for (const url of route.path === '/' ? ['/'] : slashes.map((slash) => route.path + slash)) {
      app.route({
        method: route.method as HTTPMethods,
        url,
        bodyLimit: MAX_BODY_BYTES,
        exposeHeadRoute: false,
        config: { path: url },
        handler: (request, reply) => serve(request, reply, () => readJsonBody(request.raw)),
      });
    }
  }
};
