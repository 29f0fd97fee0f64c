import type { Request } from 'express';

/** An address or host name of this machine only: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** The host name of a `Host` header, without its port: `[::1]:3000` → `::1`. */
export function hostName(header: string | undefined): string | undefined {
  const value = header?.trim().toLowerCase();
  if (!value) return undefined;
  if (value.startsWith('[')) return /^\[([^\]]+)\](:\d+)?$/.exec(value)?.[1];
  const match = /^([^:]+)(:\d+)?$/.exec(value);
  return match?.[1];
}

/**
 * A caller on this machine that asked for this machine by name: the connection comes from a
 * loopback address and the `Host` header names one. A page of another site that reaches a local
 * port through DNS rebinding sends its own host name, and fails the second test.
 */
export const isLocalCaller = (req: Request): boolean => {
  const name = hostName(req.headers.host);
  return isLoopback(req.socket.remoteAddress ?? '') && name !== undefined && isLoopback(name);
};
