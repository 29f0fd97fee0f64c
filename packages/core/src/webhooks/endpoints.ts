import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { WebhookEndpoint, WebhookEventType } from '../model/types.js';

export const EVENT_TYPES: readonly WebhookEventType[] = ['promo.created', 'track.recorded', 'share.recorded', 'referral.bound', 'user.forgotten'];
const DEFAULT_EVENTS: readonly WebhookEventType[] = ['referral.bound', 'user.forgotten'];

/** An endpoint checked once at `createTracker`; `key` (a hash of the URL) is what the outbox stores. */
export interface ResolvedEndpoint {
  key: string;
  url: string;
  signer: Webhook;
  events: ReadonlySet<WebhookEventType>;
}

/** The endpoints, and the event types any of them asked for (the only ones the write path writes). */
export interface Outbox {
  endpoints: readonly ResolvedEndpoint[];
  wants: ReadonlySet<WebhookEventType>;
}

type Fail = (option: string, problem: string, fix: string) => never;

export function resolveWebhooks(value: readonly WebhookEndpoint[] | undefined, fail: Fail): Outbox {
  if (value === undefined) return { endpoints: [], wants: new Set() };
  if (!Array.isArray(value)) fail('webhooks', 'must be an array of endpoints', 'Use `[{ url, secret, events? }]`.');
  const endpoints = value.map((endpoint: WebhookEndpoint, i): ResolvedEndpoint => {
    const at = `webhooks[${i}]`;
    if (!endpoint || typeof endpoint !== 'object') fail(at, 'is not an endpoint', 'Use `{ url, secret, events? }`.');
    const { url, secret, events = DEFAULT_EVENTS } = endpoint;
    if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      fail(`${at}.url`, 'is not an http(s) URL', 'Use e.g. `https://rewards.example.com/webhooks`.');
    }
    let signer: Webhook | undefined;
    try {
      if (typeof secret === 'string' && /^whsec_[A-Za-z0-9+/=]{8,}$/.test(secret)) signer = new Webhook(secret);
    } catch {
      // Not base64 after the prefix: reported below.
    }
    if (!signer) fail(`${at}.secret`, 'is not a Standard Webhooks secret', 'Use `whsec_` followed by base64 (e.g. 24 random bytes).');
    if (!Array.isArray(events) || events.length === 0 || events.some((e) => !EVENT_TYPES.includes(e))) {
      fail(`${at}.events`, 'must list event types', `Choose from ${EVENT_TYPES.map((e) => `'${e}'`).join(', ')}.`);
    }
    return { key: createHash('sha256').update(url).digest('hex').slice(0, 16), url, signer, events: new Set(events) };
  });
  const keys = new Set(endpoints.map((e) => e.key));
  if (keys.size !== endpoints.length) fail('webhooks', 'lists one URL twice', 'Give each endpoint once, with all its events.');
  return { endpoints, wants: new Set(endpoints.flatMap((e) => [...e.events])) };
}
