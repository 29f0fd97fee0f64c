import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, Router } from 'express';
import { ConfigError } from './config.js';

/**
 * Who may see the dashboard and call the operator-only routes (`GET /stats` without `user_id`,
 * `GET /leaderboard`, the CSV exports, `DELETE /users/:user_id`, `GET /dashboard`):
 *
 * - `ADMIN_TOKEN` set: requests with `Authorization: Bearer <token>`, or with the HttpOnly cookie
 *   that the dashboard's sign-in form sets. Everyone else gets 403 from those routes, and a
 *   sign-in form at `/dashboard`.
 * - `ADMIN_TOKEN` unset: the dashboard is served only when the service listens on a loopback
 *   address (only this machine can reach it); on any other address there is no dashboard.
 */
export interface AdminAccess {
  /** Spread into `createExpressRouter`'s options. */
  routerOptions: { dashboard: boolean; admin?: (req: Request) => boolean };
  /** The sign-in form, mounted before the routes (empty without `ADMIN_TOKEN`). */
  signIn: Router;
}

export const SESSION_COOKIE = 'promo_track_admin';
const SESSION_SECONDS = 12 * 60 * 60;
export const MIN_ADMIN_TOKEN_LENGTH = 16;

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

export function createAdminAccess(env: Record<string, string | undefined>, host: string): AdminAccess {
  const token = env.ADMIN_TOKEN?.trim() ?? '';
  if (token === '') return { routerOptions: { dashboard: isLoopback(host) }, signIn: Router() };
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError(
      `ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters: set it to a long random secret (e.g. \`openssl rand -hex 24\`), or unset it.`,
    );
  }

  const digest = (value: string) => createHash('sha256').update(value).digest();
  const tokenDigest = digest(token);
  // Compared as digests: equal lengths, and no timing hint about the token's length.
  const isToken = (value: string) => timingSafeEqual(digest(value), tokenDigest);
  // The cookie holds an expiry and its HMAC under the token, never the token itself; changing
  // ADMIN_TOKEN signs every session out.
  const sign = (expires: number) => createHmac('sha256', token).update(`promo-track dashboard session ${expires}`).digest('base64url');
  const isSession = (value: string) => {
    const [expires, mac] = value.split('.');
    if (!/^\d+$/.test(expires ?? '') || !mac || Number(expires) * 1000 < Date.now()) return false;
    const wanted = Buffer.from(sign(Number(expires)));
    const given = Buffer.from(mac);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  };

  const admin = (req: Request): boolean => {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    if (bearer !== undefined) return isToken(bearer);
    const session = readCookie(req.headers.cookie, SESSION_COOKIE);
    return session !== undefined && isSession(session);
  };

  const signIn = Router();
  signIn.get('/dashboard', (req, res, next) => {
    if (admin(req)) return next();
    // Relative links below assume the page is `…/dashboard`.
    if (req.path.endsWith('/')) return res.redirect(308, '../dashboard');
    sendSignIn(res, 401, 'dashboard/sign-in', null);
  });
  signIn.post('/dashboard/sign-in', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const token: unknown = (req.body as { token?: unknown } | undefined)?.token;
    const given = typeof token === 'string' ? token.trim() : '';
    if (!given || !isToken(given)) {
      await new Promise((resolve) => setTimeout(resolve, 300)); // slows down guessing a little
      return sendSignIn(res, 401, 'sign-in', 'That is not the admin token.');
    }
    const expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
    res.setHeader('Set-Cookie', cookie(req, `${expires}.${sign(expires)}`, SESSION_SECONDS));
    res.redirect(303, '../dashboard');
  });
  signIn.post('/dashboard/sign-out', (req, res) => {
    res.setHeader('Set-Cookie', cookie(req, '', 0));
    res.redirect(303, '../dashboard');
  });

  return { routerOptions: { dashboard: true, admin }, signIn };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

function cookie(req: Request, value: string, maxAge: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${req.secure ? '; Secure' : ''}`;
}

/** `action`: the sign-in URL relative to the page that shows the form. */
function sendSignIn(res: Response, status: number, action: string, error: string | null): void {
  res
    .status(status)
    .set({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
    })
    .send(`<!doctype html>
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
