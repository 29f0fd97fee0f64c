import type { HttpResponse, Plugin } from '@promo-track/core';
import { DASHBOARD_CSS, DASHBOARD_JS, DASHBOARD_VERSION } from './assets.generated.js';
import { answerNames, type DisplayName, json } from './names.js';
import { dashboardPage, refusedPage } from './page.js';

/** The options of `dashboard`. */
export interface DashboardOptions {
  /**
   * Names to show instead of user ids (promoters, referred users, referrers), asked for the ids on
   * screen, at most 200 at once. Ids missing from the map are shown as ids.
   */
  displayName?: DisplayName;
}

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

// The names change with the content: cached for good.
const asset = (type: string, body: string): HttpResponse => ({
  status: 200,
  headers: {
    'content-type': `${type}; charset=utf-8`,
    'cache-control': 'public, max-age=31536000, immutable',
    'x-content-type-options': 'nosniff',
  },
  body,
});

/**
 * The operator dashboard, for an adapter's `plugins` option: `GET /dashboard` below the mount, for
 * whoever `admin` lets through (everyone when neither `admin` nor `identify` is set), and its
 * bundled script and stylesheet, which hold no data. The page reads the contract's routes, plus
 * two of its own for operators: `/dashboard/settings` (the time zone and the reward rules) and `/dashboard/names`.
 */
export function dashboard(options: DashboardOptions = {}): Plugin {
  if (options.displayName !== undefined && typeof options.displayName !== 'function') {
    throw new TypeError(
      'promo-track dashboard: `displayName` must be a function, e.g. async (ids) => new Map(ids.map((id) => [id, `#${id}`]))',
    );
  }
  return {
    name: 'dashboard',
    routes: [
      {
        method: 'GET',
        path: '/dashboard',
        admin: true,
        // The page links its assets relative to `…/dashboard`; from `…/dashboard/` they would miss.
        handle: ({ path }) =>
          path.endsWith('/') ? page(308, '', { location: '../dashboard' }) : page(200, dashboardPage(DASHBOARD_VERSION)),
        refused: (status) => page(status, refusedPage()),
      },
      // What the page needs beyond the contract's routes: the tracker's time zone, and names.
      {
        method: 'GET',
        path: '/dashboard/settings',
        admin: true,
        handle: ({ tracker }) => json(200, { time_zone: tracker.timeZone, reward_rules: tracker.rewardRules ?? [] }),
      },
      { method: 'GET', path: '/dashboard/names', admin: true, handle: ({ query }) => answerNames(options.displayName, query) },
      { method: 'GET', path: `/dashboard/app.${DASHBOARD_VERSION}.js`, handle: () => asset('text/javascript', DASHBOARD_JS) },
      { method: 'GET', path: `/dashboard/app.${DASHBOARD_VERSION}.css`, handle: () => asset('text/css', DASHBOARD_CSS) },
    ],
  };
}
