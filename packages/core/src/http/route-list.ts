import type { HttpHandler, HttpRequest, HttpResponse, HttpRoute } from './types.js';

/**
 * Attaches the method and pattern of every route a handler answers, for a router that registers
 * routes one by one (Fastify) instead of handing the handler every request.
 */
export function withRouteList<Raw>(
  routes: readonly HttpRoute[],
  handle: (request: HttpRequest<Raw>) => Promise<HttpResponse | null>,
): HttpHandler<Raw> {
  const list = Object.freeze(routes.map(({ method, path }) => Object.freeze({ method, path })));
  return Object.assign(handle, { routes: list });
}
