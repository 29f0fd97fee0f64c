import { createHash, timingSafeEqual } from 'node:crypto';
import type { Plugin } from '@promo-track/core';
import { dashboard } from '@promo-track/dashboard';
import express, { type Request, type Response, Router } from 'express';
import { ConfigError } from './config.js';
import { isLocalCaller, isLoopback } from './loopback.js';
import { cookie, readCookie } from './cookies.js';
import { createGuessLimit } from './guess-limit.js';
import { createSessions } from './sessions.js';

export { isLoopback } from './loopback.js';

/**
 * Who may see the dashboard and call the operator-only routes (`GET /stats` without `user_id`,
 * `GET /leaderboard`, the CSV exports, `DELETE /users/:user_id`, `GET /dashboard`):
 *
 * - `ADMIN_TOKEN` set: requests with `Authorization: Bearer <token>`, or with the HttpOnly cookie
 *   of a session that the dashboard's sign-in form opened. Everyone else gets 403 from those
 *   routes, and a sign-in form at `/dashboard`. Wrong tokens (signed in or as Bearer) are limited per
 *   caller (`createGuessLimit`: per device for browsers that signed in before, else per address).
 *   At least 16 characters; at least 24 with `NODE_ENV=production`.
 * - `ADMIN_TOKEN` unset: local callers only (a loopback connection whose `Host` names a loopback
 *   address, so DNS rebinding fails); the dashboard is served only on a loopback `HOST`. On any
 *   other `HOST` that is a warning, and in production a refusal to start.
 */
export interface AdminAccess {
  /** Spread into `createExpressRouter`'s options. */
  routerOptions: { plugins: Plugin[]; admin: (req: Request) => boolean };
  /** The sign-in form, mounted before the routes (empty without `ADMIN_TOKEN`). */
  signIn: Router;
  /** Printed at start: the operator routes of a non-loopback `HOST` without `ADMIN_TOKEN`. */
  warning: string | null;
}

export const SESSION_COOKIE = 'promo_track_admin';
const SESSION_SECONDS = 12 * 60 * 60;
export const MIN_ADMIN_TOKEN_LENGTH = 16;
/** With `NODE_ENV=production`: a token of 24 random characters is out of reach of any online guessing. */
export const MIN_PRODUCTION_ADMIN_TOKEN_LENGTH = 24;

export function createAdminAccess(env: Record<string, string | undefined>, host: string): AdminAccess {
  const token = env.ADMIN_TOKEN?.trim() ?? '';
  if (token === '') return localAccess(env, host);
  const production = env.NODE_ENV === 'production';
  const least = production ? MIN_PRODUCTION_ADMIN_TOKEN_LENGTH : MIN_ADMIN_TOKEN_LENGTH;
  if (token.length < least) {
    throw new ConfigError(
      `ADMIN_TOKEN is shorter than ${least} characters${production ? ' (NODE_ENV=production)' : ''}: ` +
        'set it to a long random secret (e.g. `openssl rand -hex 24`), or unset it.',
    );
  }

  const digest = (value: string) => createHash('sha256').update(value).digest();
  const tokenDigest = digest(token);
  // Compared as digests: equal lengths, and no timing hint about the token's length.
  const isToken = (value: string) => timingSafeEqual(digest(value), tokenDigest);
  const sessions = createSessions({ seconds: SESSION_SECONDS });
  const guesses = createGuessLimit(token);

  // Asked once per request (the dashboard's page asks before the router does): a wrong Bearer counts once.
  const answers = new WeakMap<Request, boolean>();
  const admin = (req: Request): boolean => {
    let answer = answers.get(req);
    if (answer === undefined) answers.set(req, (answer = checkAdmin(req)));
    return answer;
  };
  const checkAdmin = (req: Request): boolean => {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    if (bearer === undefined) {
      const session = readCookie(req.headers.cookie, SESSION_COOKIE);
      return session !== undefined && sessions.isOpen(session);
    }
    // Guesses as Bearer are limited like sign-ins: past the limit even the right token is refused (403).
    const wait = guesses.retryAfter(req);
    if (wait > 0) {
      req.res?.setHeader('Retry-After', String(wait));
      return false;
    }
    if (isToken(bearer)) return true;
    guesses.failed(req);
    return false;
  };

  const signIn = Router();
  signIn.get('/dashboard', (req, res, next) => {
    if (admin(req)) return next();
    // Relative links below assume the page is `…/dashboard`.
    if (req.path.endsWith('/')) return res.redirect(308, '../dashboard');
    sendSignIn(res, 401, 'dashboard/sign-in', null);
  });
  signIn.post('/dashboard/sign-in', express.urlencoded({ extended: false, limit: '4kb', inflate: false }), async (req, res) => {
    const wait = guesses.retryAfter(req);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      return sendSignIn(res, 429, 'sign-in', `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60)} min.`);
    }
    const token: unknown = (req.body as { token?: unknown } | undefined)?.token;
    const given = typeof token === 'string' ? token.trim() : '';
    if (!given || !isToken(given)) {
      guesses.failed(req);
      await new Promise((resolve) => setTimeout(resolve, 300)); // slows down guessing a little more
      return sendSignIn(res, 401, 'sign-in', 'That is not the admin token.');
    }
    res.setHeader('Set-Cookie', [cookie(req, SESSION_COOKIE, sessions.open(), SESSION_SECONDS), guesses.deviceCookie(req)]);
    res.redirect(303, '../dashboard');
  });
  signIn.post('/dashboard/sign-out', (req, res) => {
    const session = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (session !== undefined) sessions.close(session);
    res.setHeader('Set-Cookie', cookie(req, SESSION_COOKIE, '', 0));
    res.redirect(303, '../dashboard');
  });

  return { routerOptions: { plugins: [dashboard()], admin }, signIn, warning: null };
}

/** Without `ADMIN_TOKEN`: the operator routes answer local callers only. */
function localAccess(env: Record<string, string | undefined>, host: string): AdminAccess {
  let warning: string | null = null;
  if (!isLoopback(host)) {
    const problem = `HOST is ${host}, reachable from the network, and ADMIN_TOKEN is not set`;
    if (env.NODE_ENV === 'production') {
      throw new ConfigError(
        `${problem}. In production the service refuses to start so: set ADMIN_TOKEN to a secret of at least ${MIN_PRODUCTION_ADMIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 24\`), or listen on 127.0.0.1.`,
      );
    }
    warning =
      `WARNING: ${problem}. The operator routes (DELETE /users/:id, GET /stats, GET /leaderboard, the exports) answer ` +
      `only callers on this machine, and the dashboard is off. Set ADMIN_TOKEN before exposing this service ` +
      '(NODE_ENV=production refuses to start without it).';
  }
  return { routerOptions: { plugins: isLoopback(host) ? [dashboard()] : [], admin: isLocalCaller }, signIn: Router(), warning };
}

/** `action`: the sign-in URL relative to the page that shows the form. */
function sendSignIn(res: Response, status: number, action: string, error: string | null): void {
  res.status(status).set({
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
  }).send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>promo-track · sign in</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;display:grid;place-items:center;min-height:100vh;margin:0;background:Canvas;color:CanvasText}
form{display:flex;flex-direction:column;gap:10px;width:min(340px,90vw)}
input,button{font:inherit;padding:8px 10px;border-radius:6px;border:1px solid #9aa4b2}
button{background:#2f6fed;color:#fff;border-color:#2f6fed;cursor:pointer}
.error{color:#c0392b;margin:0}
</style></head>
<body><form method="post" action="${action}">
<h1>promo-track</h1>
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
${error ? `<p class="error" role="alert">${error}</p>` : ''}
<button type="submit">Sign in</button>
</form></body></html>
`);
}
