/**
 * promo-track's routes in a Fastify 5 app: `app.register(promoTrackPlugin, { tracker, prefix: '/api', ...options })`.
 * Only its own routes are registered, so the host's routes under the same prefix keep working.
 *
 * @packageDocumentation
 * @module @promo-track/fastify
 */
import { Readable } from 'node:stream';
import { createHttpHandler, HttpBodyError, type HttpHandlerOptions, MAX_BODY_BYTES, readJsonBody, type Tracker } from '@promo-track/core';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';

/** Options of `promoTrackPlugin`: the tracker, Fastify's `prefix`, and `identify`, `admin`, `onError`, `plugins` given the `FastifyRequest`. */
export interface PromoTrackPluginOptions extends HttpHandlerOptions<FastifyRequest> {
  /** The tracker whose routes the plugin serves (required). */
  tracker: Tracker;
  /** Fastify's own: where the routes answer, e.g. `/api`. */
  prefix?: string;
}

/**
 * promo-track's routes in a Fastify 5 app: `app.register(promoTrackPlugin, { tracker, prefix: '/api' })`.
 * Deliberately not wrapped in `fastify-plugin`: that is for plugins that decorate the host; this one
 * registers routes, which must take the `prefix`, and its body parser and error handler must stay
 * in its own encapsulated context so that the host's routes keep theirs.
 */
export const promoTrackPlugin: FastifyPluginAsync<PromoTrackPluginOptions> = async (app, { tracker, prefix: _prefix, ...options }) => {
  const handle = createHttpHandler<FastifyRequest>(tracker, options);
  const serve = async (request: FastifyRequest, reply: FastifyReply, readBody: () => Promise<unknown>) => {
    const { path } = request.routeOptions.config as unknown as { path: string };
    const response = await handle({
      method: request.method,
      path: path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent((request.params as Record<string, string>)[name])),
      query: request.query as Record<string, unknown>,
      headers: request.headers,
      body: request.body,
      readBody,
      raw: request,
    });
    if (!response) return reply.callNotFound();
    return reply.code(response.status).headers(response.headers).send(typeof response.body === 'string' ? response.body : Readable.from(response.body));
  };
  // JSON goes through Fastify's own parser; any other body is left unread for the core to judge.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  // Fastify's body errors answer as the core's own read would have: same order, codes and shape.
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const code = error.code ?? '';
    if (!code.startsWith('FST_ERR_CTP_')) throw error; // not ours: the host's error handler
    if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return serve(request, reply, async () => undefined);
    const failure = code === 'FST_ERR_CTP_BODY_TOO_LARGE'
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
