import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { cookie, readCookie } from './cookies.js';
import { createSignInLimit } from './sign-in-limit.js';

export const DEVICE_COOKIE = 'promo_track_device';
const DEVICE_SECONDS = 365 * 24 * 60 * 60;

/**
 * Wrong admin tokens, from the sign-in form and in `Authorization: Bearer`, counted together and
 * limited per key (5 within 15 minutes, then refused, the right token too, until the window ends).
 *
 * The key: a browser that has signed in before carries a device cookie (a random id signed with a key
 * derived from the token, so nobody without the token can make one), and is counted on its own; any
 * other caller is counted by its address (`req.ip`: the connection's, or with TRUST_PROXY the client's
 * as the proxy reports it). An attacker who locks out an address (every caller behind a proxy, when
 * TRUST_PROXY is unset) does not lock out the operators' browsers that signed in before, nor anyone
 * already signed in (their session is not a guess).
 */
export function createGuessLimit(token: string) {
  const limit = createSignInLimit();
  const deviceKey = createHash('sha256').update(`promo-track device cookie\0${token}`).digest();
  const mac = (id: string) => createHmac('sha256', deviceKey).update(id).digest();

  const deviceOf = (req: Request): string | undefined => {
    const [id, signature, extra] = (readCookie(req.headers.cookie, DEVICE_COOKIE) ?? '').split('.');
    if (!id || !signature || extra !== undefined) return undefined;
    const given = Buffer.from(signature, 'base64url');
    const expected = mac(id);
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
  };
  const keyOf = (req: Request) => {
    const device = deviceOf(req);
    return device !== undefined ? `device ${device}` : `address ${req.ip ?? 'unknown'}`;
  };

  return {
    /** Seconds until this caller may try a token again, or 0. */
    retryAfter: (req: Request): number => limit.retryAfter(keyOf(req)),
    /** Counts a wrong token from this caller. */
    failed: (req: Request): void => limit.failed(keyOf(req)),
    /** The `Set-Cookie` that marks this browser as one that signed in (keeping its id if it had one). */
    deviceCookie(req: Request): string {
      const id = deviceOf(req) ?? randomBytes(16).toString('base64url');
      return cookie(req, DEVICE_COOKIE, `${id}.${mac(id).toString('base64url')}`, DEVICE_SECONDS);
    },
  };
}
