import type { Tracker } from '../model/types.js';
import type { Route } from './routes.js';
import type { Plugin } from './types.js';

/** The plugins' routes as the handler's own, checked once at creation. */
export function pluginRoutes<Raw>(tracker: Tracker, plugins: readonly Plugin[] | undefined): Route<Raw>[] {
  if (plugins === undefined) return [];
  if (!Array.isArray(plugins)) throw new TypeError('promo-track: `plugins` must be an array, e.g. `plugins: [dashboard()]`');
  return plugins.flatMap((plugin: Plugin): Route<Raw>[] => {
    if (typeof plugin !== 'object' || plugin === null || !Array.isArray(plugin.routes)) {
      throw new TypeError('promo-track: each of `plugins` must be a plugin object, e.g. `dashboard()` (not `dashboard`)');
    }
    return plugin.routes.map((route) => {
      if (route.method !== 'GET' || typeof route.path !== 'string' || !route.path.startsWith('/') || typeof route.handle !== 'function') {
        throw new TypeError(`promo-track: plugin "${plugin.name}" has a route that is not { method: 'GET', path: '/…', handle }`);
      }
      return {
        method: route.method,
        path: route.path,
        refused: route.refused?.bind(route),
        async handle({ path, params, query, access }) {
          if (route.admin) await access.requireAdmin();
          return route.handle({ tracker, path, params, query });
        },
      };
    });
  });
}
