import type { HttpRequest } from './types.js';

/**
 * The client's IP for the `ip` signal: with `trustProxy`, the left-most `X-Forwarded-For` address
 * (what the first proxy saw), else the connection's peer; `null` where the adapter knows neither.
 */
export function clientIp(request: HttpRequest<unknown>, trustProxy: boolean): string | null {
  if (trustProxy) {
    const header = request.headers['x-forwarded-for'];
    const first = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',')[0]!.trim();
    if (first) return first.slice(0, 64);
  }
  return request.remoteAddress ? request.remoteAddress.slice(0, 64) : null;
}
