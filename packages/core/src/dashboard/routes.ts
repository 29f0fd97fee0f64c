import { ForbiddenError, NotFoundError } from '../model/errors.js';
import type { Route } from '../http/routes.js';
import type { HttpResponse } from '../http/types.js';
import { dashboardPage, forbiddenPage } from './page.js';

/** Loaded on the first dashboard request only: hosts that never enable it never parse ≈ 200 KB. */
const assets = () => import('./assets.generated.js');

/**
 * The page may run its own script and stylesheet and call this origin, nothing else. Images are the
 * exception: a promo's mini-program code lives wherever the host's `WxacodeStore` put it.
 */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: https: http:; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const page = (status: number, body: string, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { ...PAGE_HEADERS, ...headers },
  body,
});

/**
 * `GET /dashboard` (the page, for whoever the `admin` option lets through: everyone when neither
 * `admin` nor `identify` is set) and `GET /dashboard/app.<version>.js|css` (its bundled code, which
 * holds no data). The page reads the data through the other routes, which check access themselves.
 */
export function dashboardRoutes<Raw>(): Route<Raw>[] {
  return [
    {
      method: 'GET',
      path: '/dashboard',
      async handle({ path, access }) {
        // The page links its assets relative to `…/dashboard`; from `…/dashboard/` they would miss.
        if (path.endsWith('/')) return page(308, '', { location: '../dashboard' });
        try {
          await access.requireAdmin();
        } catch (error) {
          if (error instanceof ForbiddenError) return page(403, forbiddenPage());
          throw error;
        }
        const { DASHBOARD_VERSION } = await assets();
        return page(200, dashboardPage(DASHBOARD_VERSION));
      },
    },
    {
      method: 'GET',
      path: '/dashboard/:asset',
      async handle({ params }) {
        const { DASHBOARD_VERSION, DASHBOARD_JS, DASHBOARD_CSS } = await assets();
        const type =
          params.asset === `app.${DASHBOARD_VERSION}.js` ? 'js' : params.asset === `app.${DASHBOARD_VERSION}.css` ? 'css' : null;
        if (!type) throw new NotFoundError(`The dashboard has no file "${params.asset}"`);
        return {
          status: 200,
          headers: {
            'content-type': type === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8',
            // The name changes with the content: cache it for good.
            'cache-control': 'public, max-age=31536000, immutable',
            'x-content-type-options': 'nosniff',
          },
          body: type === 'js' ? DASHBOARD_JS : DASHBOARD_CSS,
        };
      },
    },
  ];
}
