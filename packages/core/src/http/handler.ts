import type { Tracker } from '../model/types.js';
import { Access } from './access.js';
import { errorResponse } from './errors.js';
import { compilePath } from './router.js';
import { dashboardRoutes } from '../dashboard/routes.js';
import { exportRoutes } from './export-routes.js';
import { type Route, trackerRoutes } from './routes.js';
import type { HttpHandler, HttpHandlerOptions, HttpRequest } from './types.js';

/**
 * The contract's HTTP routes, framework-free: adapters turn their request into an `HttpRequest`
 * and write back the `HttpResponse`, or hand the request on to the host when this answers `null`.
 */
export function createHttpHandler<Raw = unknown>(tracker: Tracker, options: HttpHandlerOptions<Raw> = {}): HttpHandler<Raw> {
  // Read once: a host that changes its options object later does not change the routes.
  const settings: HttpHandlerOptions<Raw> = { identify: options.identify, admin: options.admin, dashboard: options.dashboard === true };
  for (const name of ['identify', 'admin'] as const) {
    if (settings[name] !== undefined && typeof settings[name] !== 'function') {
      throw new TypeError(`promo-track: \`${name}\` must be a function of the framework's request, e.g. (req) => req.user?.id`);
    }
  }
  // Further pages (behind their own options) join this list.
  const routes: Route<Raw>[] = [
    ...trackerRoutes<Raw>(tracker, { admin: !!settings.admin }),
    ...exportRoutes<Raw>(tracker),
    ...(settings.dashboard ? dashboardRoutes<Raw>() : []),
  ];
  const table = routes.map((route) => ({ route, path: compilePath(route.path) }));

  return async (request) => {
    const method = request.method.toUpperCase();
    let found: { route: Route<Raw>; params: Record<string, string> } | undefined;
    for (const { route, path } of table) {
      const params = route.method === method ? path.match(request.path) : null;
      if (params) {
        found = { route, params };
        break;
      }
    }
    if (!found) return null;

    try {
      const access = new Access(settings, request.raw as Raw);
      await access.authenticate();
      return await found.route.handle({
        path: request.path,
        params: found.params,
        query: request.query ?? {},
        body: () => requestBody(request),
        access,
      });
    } catch (error) {
      return errorResponse(error, { method, path: request.path });
    }
  };
}

async function requestBody({ body, readBody }: HttpRequest<unknown>): Promise<unknown> {
  if (!readBody || (body !== undefined && !isEmptyObject(body))) return body;
  // An empty object may be a parser's placeholder for a body it left unread (@koa/bodyparser does
  // this for content types it does not handle): then the stream still holds the body. A stream
  // the parser did read reads as `undefined`, and its `{}` stands.
  const read = await readBody();
  return read === undefined ? body : read;
}

const isEmptyObject = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
