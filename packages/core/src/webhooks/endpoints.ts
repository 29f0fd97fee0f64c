import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { WebhookEndpoint, WebhookEventType } from '../model/types.js';

export const EVENT_TYPES: readonly WebhookEventType[] = [
  'promo.created',
  'track.recorded',
  'share.recorded',
  'referral.bound',
  'user.forgotten',
  'conversion.recorded',
  'conversion.refunded',
  'referral.flagged',
  'reward.created',
  'reward.payable',
  'reward.settled',
  'reward.reversed',
  'reward.voided',
  'wxacode.generated',
];
const DEFAULT_EVENTS: readonly WebhookEventType[] = ['referral.bound', 'user.forgotten'];

/** An endpoint checked once at `createTracker`; `key` (a hash of the URL) is what the outbox stores. */
export interface ResolvedEndpoint {
  key: string;
  url: string;
  /** The URL as logged and stored (in `last_error`): without its query string (`https://host/path?…`). */
  shown: string;
  signer: Webhook;
  events: ReadonlySet<WebhookEventType>;
}

/** The endpoints, and the event types any of them asked for (the only ones the write path writes). */
export interface Outbox {
  endpoints: readonly ResolvedEndpoint[];
  wants: ReadonlySet<WebhookEventType>;
  /** How long a delivered message is kept (`webhookRetentionDays`), in milliseconds. */
  retentionMs: number;
}

type Fail = (option: string, problem: string, fix: string) => never;

export function resolveWebhooks(value: readonly WebhookEndpoint[] | undefined, retentionDays: number, fail: Fail): Outbox {
  const retentionMs = retentionDays * 86_400_000;
  if (value === undefined) return { endpoints: [], wants: new Set(), retentionMs };
  if (!Array.isArray(value)) fail('webhooks', 'must be an array of endpoints', 'Use `[{ url, secret, events? }]`.');
  const endpoints = value.map((endpoint: WebhookEndpoint, i): ResolvedEndpoint => {
    const at = `webhooks[${i}]`;
    if (!endpoint || typeof endpoint !== 'object') fail(at, 'is not an endpoint', 'Use `{ url, secret, events? }`.');
    const { url, secret, events = DEFAULT_EVENTS } = endpoint;
    if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      fail(`${at}.url`, 'is not an http(s) URL', 'Use e.g. `https://rewards.example.com/webhooks`.');
    }
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.password !== '') {
      // fetch() refuses such a URL, and the credentials would end up in logs: never in a URL.
      fail(
        `${at}.url`,
        'carries credentials (user:password@)',
        'Remove them: the receiver authenticates promo-track by the `webhook-signature` header.',
      );
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
    return {
      key: createHash('sha256').update(url).digest('hex').slice(0, 16),
      url,
      shown: shownUrl(parsed),
      signer,
      events: new Set(events),
    };
  });
  const keys = new Set(endpoints.map((e) => e.key));
  if (keys.size !== endpoints.length) fail('webhooks', 'lists one URL twice', 'Give each endpoint once, with all its events.');
  return { endpoints, wants: new Set(endpoints.flatMap((e) => [...e.events])), retentionMs };
}

/** A URL as it may be logged or stored: origin and path, its query (often a token) as `?…`. */
const shownUrl = (url: URL): string => `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;

/** `text` with every appearance of the endpoint's URL (and of its query string) replaced by `shown`. */
export function redactUrl(text: string, endpoint: ResolvedEndpoint): string {
  const query = new URL(endpoint.url).search;
  const redacted = text.split(endpoint.url).join(endpoint.shown);
  return query.length > 1 ? redacted.split(query.slice(1)).join('…') : redacted;
}
