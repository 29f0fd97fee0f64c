import type { Tracker } from '../model/types.js';
import { isReplayed } from '../replays.js';
import { parse } from '../validation.js';
import { NotFoundError, UnknownPromocodeError, ValidationError } from '../model/errors.js';
import type { Access } from './access.js';
import { jsonResponse } from './errors.js';
import { wireRange } from './wire-range.js';
import type { HttpResponse } from './types.js';
import {
  leaderboardQuery,
  promoRequest,
  referralsRequest,
  shareBody,
  statsQuery,
  requestSignals,
  toTrackInput,
  trackBatchBody,
  trackBody,
  userIdParam,
  webhookMessagesQuery,
} from './wire-inputs.js';
import {
  attributionWire,
  leaderboardWire,
  promoWire,
  referralPageWire,
  referralWire,
  shareWire,
  statsWire,
  trackWire,
  webhookMessagePageWire,
} from './wire-outputs.js';

export interface RouteContext<Raw> {
  /** The request's path below the mount, as sent (e.g. with its trailing slash). */
  path: string;
  /** Path parameters, already percent-decoded. */
  params: Record<string, string>;
  query: Readonly<Record<string, unknown>>;
  /** The request body: the one the host parsed, or read from the stream now. */
  body(): Promise<unknown>;
  /** The client's IP (`trustProxy`: from `X-Forwarded-For`), or `null` where the adapter knows none. */
  clientIp(): string | null;
  access: Access<Raw>;
}

export interface Route<Raw> {
  method: 'GET' | 'POST' | 'DELETE';
  /** A pattern such as `/users/:user_id/referrer`. */
  path: string;
  handle(context: RouteContext<Raw>): Promise<HttpResponse>;
  /** Answers a 401 or 403 in the route's own way (a plugin's HTML page) instead of the JSON error. */
  refused?(status: 401 | 403): HttpResponse;
}

/** The routes of the contract's HTTP table, over one tracker. */
export function trackerRoutes<Raw>(tracker: Tracker, options: { admin: boolean }): Route<Raw>[] {
  return [
    {
      method: 'GET',
      path: '/tracks/:user_id/:promo_type',
      async handle({ params, query, access }) {
        const { user_id, promo_type, appid, page } = parse(promoRequest, { ...query, ...params });
        await access.actFor([user_id]);
        const promo = await tracker.getOrCreatePromo({ userId: user_id, promoType: promo_type, appid, page });
        return jsonResponse(200, promoWire(promo));
      },
    },
    {
      method: 'POST',
      path: '/tracks',
      async handle({ body, access, clientIp }) {
        const input = parse(trackBody, withCaller(await body(), await access.userId()));
        await access.actFor([input.user_id]);
        const track = await tracker.recordTrack(toTrackInput(input, clientIp())).catch(wirePaths(''));
        return jsonResponse(isReplayed(track) ? 200 : 201, trackWire(track));
      },
    },
    {
      method: 'POST',
      path: '/tracks/batch',
      async handle({ body, access, clientIp }) {
        const { events } = parse(trackBatchBody, withCallerInEvents(await body(), await access.userId()));
        await access.actFor(events.map((e) => e.user_id));
        const ip = clientIp();
        const tracks = await tracker.recordTracks(events.map((e) => toTrackInput(e, ip))).catch(wirePaths('events.'));
        return jsonResponse(201, { items: tracks.map(trackWire) });
      },
    },
    {
      method: 'POST',
      path: '/shares',
      async handle({ body, access, clientIp }) {
        const input = parse(shareBody, withCaller(await body(), await access.userId()));
        if (input.user_id !== null) await access.actFor([input.user_id]);
        const share = await tracker
          .recordShare({
            userId: input.user_id,
            shareType: input.share_type,
            page: input.page,
            promocode: input.promocode,
            eventId: input.event_id,
            occurredAt: input.occurred_at,
            signals: requestSignals(input, clientIp()),
          })
          .catch(wirePaths(''));
        return jsonResponse(201, shareWire(share));
      },
    },
    {
      method: 'GET',
      path: '/promos/:promocode',
      async handle({ params }) {
        const promo = await tracker.findPromo(params.promocode);
        if (!promo) throw new NotFoundError(`No promo has the promocode "${params.promocode}"`);
        return jsonResponse(200, promoWire(promo));
      },
    },
    {
      method: 'GET',
      path: '/users/:user_id/referrer',
      async handle({ params, access }) {
        const userId = parse(userIdParam, params.user_id, 'user_id');
        await access.actFor([userId]);
        const referral = await tracker.getReferrer(userId);
        if (!referral) throw new NotFoundError(`User ${userId} has no referrer`);
        return jsonResponse(200, referralWire(referral));
      },
    },
    {
      method: 'GET',
      path: '/users/:user_id/referrals',
      async handle({ params, query, access }) {
        const { user_id: userId, limit, cursor } = parse(referralsRequest, { ...query, ...params });
        await access.actFor([userId]);
        return jsonResponse(200, referralPageWire(await tracker.listReferrals(userId, { limit, cursor })));
      },
    },
    {
      method: 'GET',
      path: '/users/:user_id/attribution',
      async handle({ params, access }) {
        const userId = parse(userIdParam, params.user_id, 'user_id');
        await access.actFor([userId]);
        return jsonResponse(200, attributionWire(await tracker.explainReferral(userId)));
      },
    },
    {
      method: 'DELETE',
      path: '/users/:user_id',
      async handle({ params, access }) {
        const userId = parse(userIdParam, params.user_id, 'user_id');
        // With `admin` set, forgetting is for operators; without it, users may still leave.
        if (options.admin) await access.requireAdmin();
        else await access.actFor([userId]);
        const { promos, tracks, shares, referrals, conversions, rewards } = await tracker.forgetUser(userId);
        return jsonResponse(200, { promos, tracks, shares, referrals, conversions, rewards });
      },
    },
    {
      method: 'GET',
      path: '/stats',
      async handle({ query, access }) {
        const { user_id, promocode, appid, ...range } = parse(statsQuery, query);
        if (user_id === undefined) await access.requireAdmin();
        else await access.actFor([user_id]);
        return jsonResponse(200, statsWire(await tracker.stats({ userId: user_id, promocode, appid, ...wireRange(tracker, range) })));
      },
    },
    {
      method: 'GET',
      path: '/leaderboard',
      async handle({ query, access }) {
        const { limit, order_by, currency, ...range } = parse(leaderboardQuery, query);
        await access.requireAdmin();
        return jsonResponse(
          200,
          leaderboardWire(await tracker.leaderboard({ ...wireRange(tracker, range), limit, orderBy: order_by, currency })),
        );
      },
    },
    {
      method: 'GET',
      path: '/webhooks/messages',
      async handle({ query, access }) {
        const { status, limit, cursor } = parse(webhookMessagesQuery, query);
        await access.requireAdmin();
        return jsonResponse(200, webhookMessagePageWire(await tracker.listWebhookMessages({ status, limit, cursor })));
      },
    },
    {
      method: 'POST',
      path: '/webhooks/messages/:id/redeliver',
      async handle({ params, access }) {
        await access.requireAdmin();
        await tracker.redeliverWebhookMessage(params.id);
        return jsonResponse(202, { id: params.id, status: 'pending' });
      },
    },
  ];
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** With `identify`, a body that leaves out `user_id` acts for the authenticated user. */
function withCaller(body: unknown, userId: number | undefined): unknown {
  if (userId === undefined || !isObject(body) || body.user_id != null) return body;
  return { ...body, user_id: userId };
}

function withCallerInEvents(body: unknown, userId: number | undefined): unknown {
  if (userId === undefined || !isObject(body) || !Array.isArray(body.events)) return body;
  return { ...body, events: body.events.map((event: unknown) => withCaller(event, userId)) };
}

/** The tracker names inputs in camelCase (`3.occurredAt`): on the wire, `events.3.occurred_at`. */
export function wirePaths(prefix: string) {
  return (error: unknown): never => {
    const wire = (issues: readonly { path: string; message: string }[]) =>
      issues.map((i) => ({ ...i, path: prefix + i.path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) }));
    // A new error, so that its message (made from the issues) names the wire's fields too.
    if (error instanceof ValidationError) throw new ValidationError(wire(error.issues));
    if (error instanceof UnknownPromocodeError) throw new UnknownPromocodeError(error.promocode, wire(error.issues)[0]!.path);
    throw error;
  };
}
