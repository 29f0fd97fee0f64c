import { z } from 'zod';
import {
  conversionIdSchema,
  getOrCreatePromoSchema,
  leaderboardQuerySchema,
  listConversionsSchema,
  listReferralsSchema,
  recordConversionSchema,
  refundSchema,
  listWebhookMessagesSchema,
  MAX_BATCH,
  recordShareSchema,
  recordTrackSchema,
  statsQuerySchema,
  userIdSchema,
} from '../validation.js';

/**
 * The wire's inputs, in its snake_case names, so that issue paths read as the client wrote them
 * (`events.1.user_id`). Field rules come from the tracker's own schemas; path and query values
 * arrive as strings and are converted here.
 */

/**
 * A whole number written as a string (path segments, query values). Text that is not digits
 * becomes NaN, so that `target` refuses it with its own message (`expected a whole number from 1 to …`).
 */
export const integerText = <T extends z.ZodType<number, number>>(target: T) =>
  z
    .string()
    .transform((text) => (/^\d+$/.test(text) ? Number(text) : Number.NaN))
    .pipe(target);

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const INSTANT_MESSAGE = 'expected an ISO 8601 time, e.g. 2026-01-31T08:00:00.000Z';
const RANGE_MESSAGE =
  "expected an ISO 8601 time, e.g. 2026-01-31T08:00:00.000Z, or a date, e.g. 2026-01-31 (midnight in the tracker's timeZone)";

function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.parse would quietly roll 2026-02-30 over into March.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && !Number.isNaN(Date.parse(text));
}

const isoDateText = z
  .string()
  .refine(isIsoDate, INSTANT_MESSAGE)
  .transform((text) => new Date(text));

/** A range's end stays text here: a bare date is midnight in the tracker's zone (wire-range.ts). */
const rangeText = z.string().refine(isIsoDate, RANGE_MESSAGE);

const track = recordTrackSchema.shape;
const share = recordShareSchema.shape;
const promo = getOrCreatePromoSchema.shape;
const stats = statsQuerySchema.shape;

/** `POST /tracks`; a `referrer` field (as in the seed's example) is dropped: it follows from the promocode. */
export const trackBody = z.object({
  user_id: track.userId,
  promocode: track.promocode,
  scene: track.scene,
  track_type: track.trackType,
  detail: track.detail,
  event_id: track.eventId,
  occurred_at: isoDateText.optional(),
  signals: track.signals,
});

export const trackBatchBody = z.object({ events: z.array(trackBody).max(MAX_BATCH) });

export const shareBody = z.object({
  user_id: share.userId,
  share_type: share.shareType,
  page: share.page,
  promocode: share.promocode,
  event_id: share.eventId,
  occurred_at: isoDateText.optional(),
  signals: share.signals,
});

export const userIdParam = integerText(userIdSchema);

/** Path parameters and query values are checked together, so that one answer names every mistake. */
export const promoRequest = z.object({
  user_id: userIdParam,
  promo_type: integerText(promo.promoType.unwrap()),
  appid: promo.appid,
  page: promo.page,
});

export const referralsRequest = z.object({
  user_id: userIdParam,
  limit: integerText(listReferralsSchema.shape.limit.unwrap()).optional(),
  cursor: listReferralsSchema.shape.cursor,
});

export const statsQuery = z.object({
  user_id: userIdParam.optional(),
  promocode: stats.promocode,
  appid: stats.appid,
  from: rangeText.optional(),
  to: rangeText.optional(),
});

export const leaderboardQuery = z.object({
  from: rangeText.optional(),
  to: rangeText.optional(),
  limit: integerText(leaderboardQuerySchema.shape.limit.unwrap()).optional(),
  order_by: leaderboardQuerySchema.shape.orderBy.unwrap().optional(),
  currency: leaderboardQuerySchema.shape.currency.unwrap().optional(),
});

const conversion = recordConversionSchema.shape;
const conversions = listConversionsSchema.shape;

/** `POST /conversions` */
export const conversionBody = z.object({
  user_id: conversion.userId,
  type: conversion.type,
  order_id: conversion.orderId,
  amount: conversion.amount,
  currency: conversion.currency,
  occurred_at: isoDateText.optional(),
  detail: conversion.detail,
});

/** `POST /conversions/:id/refunds`: the path's id and the body, checked together. */
export const refundRequest = z.object({
  id: integerText(conversionIdSchema),
  refund_id: refundSchema.shape.refundId,
  amount: refundSchema.shape.amount,
});

/** `GET /conversions` */
export const conversionsQuery = z.object({
  user_id: userIdParam.optional(),
  referrer: userIdParam.optional(),
  type: conversions.type,
  from: rangeText.optional(),
  to: rangeText.optional(),
  limit: integerText(conversions.limit.unwrap()).optional(),
  cursor: conversions.cursor,
});

export const webhookMessagesQuery = z.object({
  status: listWebhookMessagesSchema.shape.status,
  limit: integerText(listWebhookMessagesSchema.shape.limit.unwrap()).optional(),
  cursor: listWebhookMessagesSchema.shape.cursor,
});

export const exportQuery = z.object({
  from: rangeText.optional(),
  to: rangeText.optional(),
});

export type TrackBody = z.output<typeof trackBody>;

/**
 * A request's signals: the body's `device`, and the request's own client IP in place of any `ip` the
 * body names (a client must not choose the address it is judged by).
 */
export const requestSignals = (body: { signals: { device: string | null } | null }, ip: string | null) => ({
  device: body.signals?.device ?? null,
  ip,
});

export const toTrackInput = (t: TrackBody, ip: string | null) => ({
  userId: t.user_id,
  promocode: t.promocode,
  scene: t.scene,
  trackType: t.track_type,
  detail: t.detail,
  eventId: t.event_id,
  occurredAt: t.occurred_at,
  signals: requestSignals(t, ip),
});
