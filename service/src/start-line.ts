import { describeDatabase } from './database.js';
import type { ServiceConfig } from './config.js';

/** The core's default `events` of an endpoint, which an unset `WEBHOOK_EVENTS` leaves in place. */
const DEFAULT_EVENTS = ['referral.bound', 'user.forgotten'];

/**
 * The one line the service logs at each start: its URL, database and pid, and, when webhooks are on,
 * the endpoint's origin (never its path, query or credentials, which may hold a token) and events.
 */
export function startLine(config: ServiceConfig, address: string, port: number, pid: number): string {
  const host = address.includes(':') ? `[${address}]` : address;
  const line = `promo-track listening on http://${host}:${port} (${describeDatabase(config.database)}, pid ${pid})`;
  const hook = config.webhook;
  if (!hook) return line;
  const events = hook.events ?? DEFAULT_EVENTS;
  return `${line}; webhooks on: ${new URL(hook.url).origin} (${events.join(', ')})`;
}
