import type { Reward, RewardDecision } from './rewards.js';
import type { Conversion, Promo, Referral, Share, Track } from './types.js';

/** The records as they travel: the seed's snake_case names, dates as `toISOString` writes them. */

export const promoWire = (p: Promo) => ({
  id: p.id,
  user_id: p.userId,
  promo_type: p.promoType,
  appid: p.appid,
  promocode: p.promocode,
  wxbcode: p.wxbcode,
  page: p.page,
  created_at: p.createdAt.toISOString(),
});

export const trackWire = (t: Track) => ({
  id: t.id,
  track_type: t.trackType,
  scene: t.scene,
  detail: t.detail,
  user_id: t.userId,
  promocode: t.promocode,
  referrer: t.referrerId,
  outcome: t.outcome,
  created_at: t.createdAt.toISOString(),
});

export const shareWire = (s: Share) => ({
  id: s.id,
  share_type: s.shareType,
  page: s.page,
  user_id: s.userId,
  promocode: s.promocode,
  created_at: s.createdAt.toISOString(),
});

export const referralWire = (r: Referral) => ({
  user_id: r.userId,
  referrer: r.referrerId,
  promocode: r.promocode,
  scene: r.scene,
  track_id: r.trackId,
  bound_at: r.boundAt.toISOString(),
});

export const conversionWire = (c: Conversion) => ({
  id: c.id,
  user_id: c.userId,
  type: c.type,
  order_id: c.orderId,
  amount: c.amount,
  refunded_amount: c.refundedAmount,
  currency: c.currency,
  referrer: c.referrerId,
  detail: c.detail,
  created_at: c.createdAt.toISOString(),
});

export const rewardWire = (r: Reward) => ({
  id: r.id,
  rule_id: r.ruleId,
  user_id: r.userId,
  referrer: r.referrerId,
  referee: r.refereeId,
  conversion_id: r.conversionId,
  amount: r.amount,
  currency: r.currency,
  status: r.status,
  payable_at: r.payableAt.toISOString(),
  created_at: r.createdAt.toISOString(),
  settled_at: r.settledAt?.toISOString() ?? null,
  replaces: r.replaces,
  reversal_of: r.reversalOf,
  note: r.note,
});

export const rewardDecisionWire = (d: RewardDecision) => ({
  rule_id: d.ruleId,
  conversion_id: d.conversionId,
  outcome: d.outcome,
  at: d.at.toISOString(),
  referrer: d.referrerId ?? null,
  referee: d.refereeId ?? null,
  nth: d.nth ?? null,
});
