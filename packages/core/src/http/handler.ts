import { ForbiddenError, UnauthorizedError } from '../model/errors.js';
import type { Tracker } from '../model/types.js';
import { Access } from './access.js';
import { errorResponse } from './errors.js';
import { pluginRoutes } from './plugins.js';
import { compilePath } from './router.js';
import { codeRoutes } from './code-routes.js';
import { abuseRoutes } from './abuse-routes.js';
import { exportRoutes } from './export-routes.js';
import { conversionRoutes } from './conversion-routes.js';
import { rewardRoutes } from './reward-routes.js';
import { withRouteList } from './route-list.js';
import { type Route, trackerRoutes } from './routes.js';
import { checkQueryText } from './query-text.js';
import { requestBody } from './request-body.js';
import type { HttpHandler, HttpHandlerOptions } from './types.js';
import { clientIp } from './client-ip.js';

/**
 * promo-track's HTTP routes, framework-free: adapters turn their request into an `HttpRequest`
 * and write back the `HttpResponse`, or hand the request on to the host when this answers `null`.
 */
export function createHttpHandler<Raw = unknown>(tracker: Tracker, options: HttpHandlerOptions<Raw> = {}): HttpHandler<Raw> {
  // Read once: a host that changes its options object later does not change the routes.
  const settings: HttpHandlerOptions<Raw> = { identify: options.identify, admin: options.admin, onError: options.onError };
  const trustProxy = options.trustProxy ?? false;
  if (typeof trustProxy !== 'boolean')
    throw new TypeError('promo-track: `trustProxy` must be true or false (true: the client is the left-most X-Forwarded-For address)');
  const examples = {
    identify: '(req) => req.user?.id',
    admin: '(req) => req.user?.isAdmin === true',
    onError: '(error, req) => logger.error(error)',
  };
  for (const name of ['identify', 'admin', 'onError'] as const) {
    if (settings[name] !== undefined && typeof settings[name] !== 'function') {
      throw new TypeError(`promo-track: \`${name}\` must be a function of the framework's request, e.g. ${examples[name]}`);
    }
  }
  if ('dashboard' in options) {
    throw new TypeError('promo-track: the `dashboard` option is gone: install @promo-track/dashboard and pass `plugins: [dashboard()]`');
  }
  const routes: Route<Raw>[] = [
    ...trackerRoutes<Raw>(tracker, { admin: !!settings.admin }),
    ...conversionRoutes<Raw>(tracker),
    ...exportRoutes<Raw>(tracker),
    ...codeRoutes<Raw>(tracker),
    ...abuseRoutes<Raw>(tracker),
    ...rewardRoutes<Raw>(tracker),
    ...pluginRoutes<Raw>(tracker, options.plugins),
  ];
  const table = routes.map((route) => ({ route, path: compilePath(route.path) }));
  const seen = new Set<string>();
  for (const { method, path } of routes) {
    if (seen.has(`${method} ${path}`)) throw new TypeError(`promo-track: two routes are \`${method} ${path}\`: give each plugin once`);
    seen.add(`${method} ${path}`);
  }

  return withRouteList<Raw>(routes, async (request) => {
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
      checkQueryText(request.rawQuery);
      return await found.route.handle({
        path: request.path,
        params: found.params,
        query: request.query ?? {},
        body: () => requestBody(request),
        clientIp: () => clientIp(request, trustProxy),
        access,
      });
    } catch (error) {
      const { refused } = found.route;
      if (refused && (error instanceof UnauthorizedError || error instanceof ForbiddenError)) return refused(error.status as 401 | 403);
      return errorResponse(error, { method, path: request.path, raw: request.raw as Raw, onError: settings.onError });
    }
  });
}
