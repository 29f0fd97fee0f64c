import type { Reward } from './rewards.js';
import type { Conversion, ForgetResult, Promo, Referral, Share, Track, WebhookEventType } from './types.js';
import { conversionWire, promoWire, referralWire, rewardWire, shareWire, trackWire } from './wire.js';

/** An event as the outbox stores it: its type, the body's `data`, and the users it names. */
export interface OutboxEvent {
  type: WebhookEventType;
  data: Record<string, unknown>;
  /** User ids the data names: forgetUser deletes the undelivered messages that name the user. */
  names: (number | null)[];
}

export const promoCreated = (promo: Promo): OutboxEvent => ({ type: 'promo.created', data: promoWire(promo), names: [promo.userId] });

export const trackRecorded = (track: Track): OutboxEvent => ({
  type: 'track.recorded',
  data: trackWire(track),
  names: [track.userId, track.referrerId],
});

export const shareRecorded = (share: Share): OutboxEvent => ({ type: 'share.recorded', data: shareWire(share), names: [share.userId] });

export const referralBound = (referral: Referral, previousReferrerId: number | null): OutboxEvent => ({
  type: 'referral.bound',
  data: { ...referralWire(referral), previous_referrer: previousReferrerId },
  names: [referral.userId, referral.referrerId, previousReferrerId],
});

/** A promo's code image is made (by the worker, or within getOrCreatePromo): its wire shape, `wxbcode` set. */
export const wxacodeGenerated = (promo: Promo): OutboxEvent => ({
  type: 'wxacode.generated',
  data: promoWire(promo),
  names: [promo.userId],
});
/** `conversion.recorded` and `conversion.refunded`: the conversion's wire shape as it stands after the write. */
export const conversionEvent = (type: 'conversion.recorded' | 'conversion.refunded', conversion: Conversion): OutboxEvent => ({
  type,
  data: conversionWire(conversion),
  names: [conversion.userId, conversion.referrerId],
});

/** `reward.created` / `payable` / `settled` / `reversed` / `voided`: the entry as it now is. */
export const rewardEvent = (
  type: 'reward.created' | 'reward.payable' | 'reward.settled' | 'reward.reversed' | 'reward.voided',
  reward: Reward,
): OutboxEvent => ({
  type,
  data: rewardWire(reward),
  names: [reward.userId, reward.referrerId, reward.refereeId],
});

/** Names no one: it reports the erasure, and must survive it. */
export const userForgotten = (userId: number, removed: ForgetResult): OutboxEvent => ({
  type: 'user.forgotten',
  data: { user_id: userId, ...removed },
  names: [],
});

/** The signed body: `{ type, timestamp, data }`. */
export const eventBody = (event: OutboxEvent, at: number): string =>
  JSON.stringify({ type: event.type, timestamp: new Date(at).toISOString(), data: event.data });

/** `,1,2,`: each named id between commas, so a LIKE '%,1,%' finds exactly user 1. */
export const namesColumn = (names: (number | null)[]): string => {
  const ids = [...new Set(names.filter((id): id is number => id !== null))];
  return ids.length ? `,${ids.join(',')},` : '';
};
